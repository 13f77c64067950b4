package secretservice

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// libsecret's own client finds each item by the attributes clients use.
func TestSecretToolLookup(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name string
		args []string
		want string // "" means not found
	}{
		{"by account", []string{"account", "work"}, pwWork},
		{"by account, the other", []string{"account", "home"}, pwHome},
		{"imap attributes", []string{"host", "imap.home.example", "user", "jo", "service", "imap"}, pwHome},
		{"imap, other spellings", []string{"server", "IMAP.Work.Example", "login", "jo@work.example", "protocol", "imap", "port", "993"}, pwWork},
		{"msmtp's schema", []string{"xdg:schema", SchemaMsmtp, "host", "smtp.work.example", "service", "smtp", "user", "jo@work.example"}, pwWork},
		{"smtp port default", []string{"host", "smtp.work.example", "port", "587"}, pwWork},
		{"our schema", []string{"xdg:schema", SchemaAccount, "account", "home"}, pwHome},
		{"msmtp's schema is not an imap item's", []string{"xdg:schema", SchemaMsmtp, "host", "imap.home.example"}, ""},
		{"wrong user", []string{"host", "imap.home.example", "user", "someone"}, ""},
		{"oauth2 accounts have no item", []string{"account", "gmail"}, ""},
		{"an attribute no item has", []string{"application", "chrome"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := w.secretTool("", append([]string{"lookup"}, tc.args...)...)
			if tc.want == "" {
				if code == 0 || out != "" {
					t.Fatalf("lookup %v = %q (exit %d), want nothing", tc.args, out, code)
				}
				return
			}
			if code != 0 || out != tc.want {
				t.Fatalf("lookup %v = %q (exit %d, stderr %q), want the password", tc.args, out, code, errOut)
			}
		})
	}
	// secret-tool asks for the dh transfer first: that is what was used.
	if log := w.log.String(); !strings.Contains(log, "("+AlgDH+")") || strings.Contains(log, "(plain)") {
		t.Errorf("secret-tool's sessions were not %s:\n%s", AlgDH, log)
	}
	if log := w.log.String(); !strings.Contains(log, "secret of work (smtp) to secret-tool pid") {
		t.Errorf("the log does not say who got which secret:\n%s", log)
	}
}

// search shows the label and the attributes of an item.
func TestSecretToolSearch(t *testing.T) {
	w := newWorld(t)
	stdout, stderr, code := w.secretTool("", "search", "--all", "account", "work")
	if code != 0 {
		t.Fatalf("search: exit %d: %s", code, stderr)
	}
	out := stdout + stderr // secret-tool prints the attributes on stderr
	for _, want := range []string{"label = imapvault: work\n", "label = imapvault: work (smtp)\n",
		"attribute.host = imap.work.example", "attribute.host = smtp.work.example", "attribute.service = smtp",
		"schema = " + SchemaMsmtp, "attribute.port = 587", "secret = " + pwWork} {
		if !strings.Contains(out, want) {
			t.Errorf("search output lacks %q:\n%s", strings.ReplaceAll(want, pwWork, "PW"), strings.ReplaceAll(out, pwWork, "PW"))
		}
	}
	if strings.Contains(out, "created = 1970") {
		t.Errorf("items carry no dates:\n%s", out)
	}
}

// An edit or a rotation is served at once: nothing is cached but what the
// agent reads again when the file changed.
func TestChangeIsFollowed(t *testing.T) {
	w := newWorld(t)
	if out, _, _ := w.secretTool("", "lookup", "account", "work"); out != pwWork {
		t.Fatalf("before: %q", out)
	}
	w.edit(func(v *vault.Vault) {
		v.Find("work").SetPassword("Rotated-Sentinel-pw", time.Now())
		v.Find("home").Host = "mail.home.example"
	})
	if out, _, _ := w.secretTool("", "lookup", "account", "work"); out != "Rotated-Sentinel-pw" {
		t.Fatalf("after the rotation: %q", out)
	}
	if out, _, code := w.secretTool("", "lookup", "host", "imap.home.example"); code == 0 || out != "" {
		t.Fatalf("the old host still answers: %q", out)
	}
	if out, _, _ := w.secretTool("", "lookup", "host", "mail.home.example"); out != pwHome {
		t.Fatalf("the new host: %q", out)
	}
}

// Writes are refused with a message that names the source, and the vault
// file is not touched.
func TestWritesRefused(t *testing.T) {
	w := newWorld(t)
	before := readFile(t, w.vault)
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"store a new item", "Stored-Sentinel-pw", []string{"store", "--label=mine", "application", "demo"}},
		{"store over an account", "Stored-Sentinel-pw", []string{"store", "--label=work", "account", "work"}},
		{"clear an account", "", []string{"clear", "account", "work"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := w.secretTool(tc.stdin, tc.args...)
			if code == 0 || !strings.Contains(errOut, "the vault is the source") || !strings.Contains(errOut, "imapvault edit") {
				t.Fatalf("%v: exit %d, stderr %q; want a refusal naming imapvault edit", tc.args, code, errOut)
			}
		})
	}
	if after := readFile(t, w.vault); !bytes.Equal(before, after) {
		t.Fatal("the vault file changed")
	}
	if out, _, _ := w.secretTool("", "lookup", "account", "work"); out != pwWork {
		t.Fatalf("after the refused writes: %q", out)
	}
	if !strings.Contains(w.log.String(), "refused CreateItem") || !strings.Contains(w.log.String(), "refused Delete") {
		t.Errorf("the refusals are not logged:\n%s", w.log.String())
	}
}

// A locked agent gives no secret and no hang, but a clear failure that
// says how to unlock, whether the items were seen before or never.
func TestLocked(t *testing.T) {
	w := newWorld(t)
	if out, _, _ := w.secretTool("", "lookup", "account", "work"); out != pwWork {
		t.Fatalf("unlocked: %q", out)
	}
	w.keyring.Lock()
	for _, args := range [][]string{{"lookup", "account", "work"}, {"lookup", "xdg:schema", SchemaMsmtp, "host", "smtp.work.example"}} {
		out, errOut, code := w.secretTool("", args...)
		if code == 0 || out != "" || !strings.Contains(errOut, "imapvault unlock") {
			t.Fatalf("%v while locked: %q exit %d stderr %q", args, out, code, errOut)
		}
	}
	// search --unlock goes through Unlock; plain search lists them locked.
	// (secret-tool prints the error and still exits 0 there.)
	if out, errOut, _ := w.secretTool("", "search", "--unlock", "account", "work"); !strings.Contains(errOut, "imapvault unlock") || strings.Contains(out+errOut, pwWork) {
		t.Fatalf("search --unlock while locked: %q", strings.ReplaceAll(out+errOut, pwWork, "PW"))
	}
	out, errOut, _ := w.secretTool("", "search", "account", "work")
	if !strings.Contains(out+errOut, "label = imapvault: work") || strings.Contains(out+errOut, pwWork) {
		t.Fatalf("search while locked should list the items without a secret:\n%s", strings.ReplaceAll(out+errOut, pwWork, "PW"))
	}

	// A provider that never saw the agent unlocked knows no items.
	fresh := &world{t: t, addr: startBus(t, ""), log: &syncBuf{}, vault: w.vault, socket: w.socket}
	fresh.serve(false)
	if out, errOut, code := fresh.secretTool("", "lookup", "account", "work"); code == 0 || out != "" || !strings.Contains(errOut, "the imapvault agent is locked: run 'imapvault unlock'") {
		t.Fatalf("lookup, never unlocked: %q exit %d stderr %q", out, code, errOut)
	}
	// No agent at all says so.
	gone := &world{t: t, addr: startBus(t, ""), log: &syncBuf{}, vault: w.vault, socket: w.socket + ".none"}
	gone.serve(false)
	if _, errOut, code := gone.secretTool("", "lookup", "account", "work"); code == 0 || !strings.Contains(errOut, "no imapvault agent is running") {
		t.Fatalf("lookup, no agent: exit %d stderr %q", code, errOut)
	}

	w.unlock()
	if out, _, _ := w.secretTool("", "lookup", "account", "work"); out != pwWork {
		t.Fatalf("unlocked again: %q", out)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
