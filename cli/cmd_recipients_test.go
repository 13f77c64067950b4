package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"
)

const recipSentinel = "SENTINEL-rzq1p-4b7e1d" // no English word in it: errors redact every 4+ character piece

// memberKey writes another person's plain identity file and returns its
// path and public key.
func memberKey(t *testing.T, s *sandbox, name string) (string, string) {
	t.Helper()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.dir, name+".key")
	if err := os.WriteFile(path, []byte(k.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, k.Recipient().String()
}

func assertNoSentinel(t *testing.T, r result, what string) {
	t.Helper()
	if strings.Contains(r.stdout+r.stderr, recipSentinel) {
		t.Errorf("%s printed a password:\n%s%s", what, r.stdout, r.stderr)
	}
}

func TestRecipientsAddListRemove(t *testing.T) {
	s := newSandbox(t)
	me := s.plainIdentity()
	s.must("", "init")
	s.must(recipSentinel+"\n", "add", "--name", "work", "--host", "h", "--user", "u", "--password-stdin")
	_, bob := memberKey(t, s, "bob")
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sp, _ := ssh.NewPublicKey(pub)
	carol := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	file := filepath.Join(s.dir, "team.txt")
	os.WriteFile(file, []byte("# the team\n\n"+carol+" carol@laptop\n"), 0o600)

	var outs []result
	outs = append(outs, s.must("", "recipients", "add", bob, "--label", "bob"))
	outs = append(outs, s.must("", "recipients", "add", "--file", file))
	dpub, _, _ := ed25519.GenerateKey(rand.Reader)
	sd, _ := ssh.NewPublicKey(dpub) // typed without quotes: three arguments
	outs = append(outs, s.must("", append([]string{"recipients", "add"}, strings.Fields(strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sd)))+" dave@desk")...)...))
	list := s.must("", "recipients")
	outs = append(outs, list)
	for _, want := range []string{"LABEL", "(you)", "bob", "carol@laptop", "dave@desk", me.Recipient().String()[:12], "active"} {
		if !strings.Contains(list.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, list.stdout)
		}
	}
	rm := s.must("", "recipients", "remove", "bob")
	outs = append(outs, rm)
	for _, want := range []string{"removed bob", "old copies still open", ".backups", "work", "imapvault rotate work"} {
		if !strings.Contains(rm.stdout, want) {
			t.Errorf("remove output lacks %q:\n%s", want, rm.stdout)
		}
	}
	list = s.must("", "recipients", "list")
	outs = append(outs, list)
	if !strings.Contains(list.stdout, "removed 2") {
		t.Errorf("the removed member is not listed as removed:\n%s", list.stdout)
	}
	for i, r := range outs {
		assertNoSentinel(t, r, fmt.Sprintf("command %d", i))
	}
}

// TestRecipientsRefusals: every refused change says why and what to do,
// and leaves the vault file as it was.
func TestRecipientsRefusals(t *testing.T) {
	pq, _ := age.GenerateHybridIdentity()
	x, _ := age.GenerateX25519Identity()
	cases := []struct {
		name   string
		setup  func(t *testing.T, s *sandbox, me string)
		args   func(s *sandbox, me string) []string
		stderr []string
	}{
		{name: "post-quantum next to classic",
			args:   func(*sandbox, string) []string { return []string{"add", pq.Recipient().String()} },
			stderr: []string{"can't be mixed", "hint:", "nothing was added"}},
		{name: "plugin not installed",
			args: func(*sandbox, string) []string {
				return []string{"add", plugin.EncodeRecipient("imapvaultnope", []byte{1})}
			},
			stderr: []string{"age-plugin-imapvaultnope is not on PATH", "hint: install age-plugin-imapvaultnope"}},
		{name: "a private key pasted by mistake",
			args:   func(*sandbox, string) []string { return []string{"add", x.String()} },
			stderr: []string{"private key", "public key"}},
		{name: "already a recipient",
			args:   func(_ *sandbox, me string) []string { return []string{"add", me} },
			stderr: []string{"already an active recipient"}},
		{name: "remove myself, the only recipient",
			args:   func(_ *sandbox, me string) []string { return []string{"remove", me} },
			stderr: []string{"your identity could no longer open the vault", "hint: add another key you hold first"}},
		{name: "remove myself, leaving only others",
			setup: func(t *testing.T, s *sandbox, _ string) {
				_, bob := memberKey(t, s, "bob")
				s.must("", "recipients", "add", bob, "--label", "bob")
			},
			args:   func(_ *sandbox, me string) []string { return []string{"remove", me} },
			stderr: []string{"your identity could no longer open the vault", "nothing was removed"}},
		{name: "remove nobody",
			args:   func(*sandbox, string) []string { return []string{"remove", "mallory"} },
			stderr: []string{"no active recipient matches", "hint:"}},
		{name: "no key",
			args:   func(*sandbox, string) []string { return []string{"add"} },
			stderr: []string{"takes one KEY"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			me := s.plainIdentity().Recipient().String()
			s.must("", "init")
			s.must(recipSentinel+"\n", "add", "--name", "work", "--host", "h", "--user", "u", "--password-stdin")
			if tc.setup != nil {
				tc.setup(t, s, me)
			}
			before := readFile(t, s.vault)
			r := s.run("", append([]string{"recipients"}, tc.args(s, me)...)...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2\n%s", r.code, r.stderr)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "AGE-SECRET-KEY") {
				t.Errorf("the error echoes a private key:\n%s", r.stderr)
			}
			assertNoSentinel(t, r, tc.name)
			if string(readFile(t, s.vault)) != string(before) {
				t.Error("a refused change rewrote the vault")
			}
			s.must("", "list") // the vault still opens
		})
	}
}

// TestRecipientsAddPluginKey adds a plugin recipient through a real age
// plugin on PATH (built from vault/testdata/ageplugin); the vault is then
// encrypted to it, so the key inside opens it.
func TestRecipientsAddPluginKey(t *testing.T) {
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "age-plugin-ivtest"), "../vault/testdata/ageplugin").CombinedOutput(); err != nil {
		t.Fatalf("build the test plugin: %v\n%s", err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	s.must(recipSentinel+"\n", "add", "--name", "work", "--host", "h", "--user", "u", "--password-stdin")
	k, _ := age.GenerateX25519Identity()
	key := plugin.EncodeRecipient("ivtest", []byte(k.Recipient().String()))
	r := s.must("", "recipients", "add", key, "--label", "carol-token")
	assertNoSentinel(t, r, "add")
	if out := s.must("", "recipients").stdout; !strings.Contains(out, "carol-token") || !strings.Contains(out, "age1ivtest1") {
		t.Errorf("list:\n%s", out)
	}
	member := filepath.Join(s.dir, "carol.key")
	os.WriteFile(member, []byte(k.String()+"\n"), 0o600)
	if r := s.run("", "list", "--identity", member); r.code != 0 || !strings.Contains(r.stdout, "work") {
		t.Errorf("the key behind the plugin recipient can't open the vault: exit %d\n%s", r.code, r.stderr)
	}
}
