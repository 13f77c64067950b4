package vault

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"
)

// teamVault is a vault of one account encrypted to a fresh plain identity.
func teamVault(t *testing.T) (string, *Identity, *File) {
	t.Helper()
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&Account{Name: "work", Host: "h", Username: "u", Password: sentinelPassword}, mt0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path, id, f
}

// memberIdentity writes another person's plain identity file.
func memberIdentity(t *testing.T, k age.Identity) *Identity {
	t.Helper()
	path := filepath.Join(t.TempDir(), "member.txt")
	if err := os.WriteFile(path, []byte(fmt.Sprint(k)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := LoadIdentity(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func sshKeys(t *testing.T) (ed, rsaKey string) {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	sp, _ := ssh.NewPublicKey(pub)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rp, _ := ssh.NewPublicKey(&rk.PublicKey)
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp))) + " carol@laptop", strings.TrimSpace(string(ssh.MarshalAuthorizedKey(rp)))
}

func TestAddRecipient(t *testing.T) {
	x, _ := age.GenerateX25519Identity()
	pq, _ := age.GenerateHybridIdentity()
	ed, rsaKey := sshKeys(t)
	cases := []struct {
		name      string
		key       string
		label     string
		wantErr   error  // nil: added
		wantLabel string // when added
	}{
		{"x25519", x.Recipient().String(), "bob", nil, "bob"},
		{"ssh-ed25519 takes its comment as the label", ed, "", nil, "carol@laptop"},
		{"ssh-rsa", rsaKey, "dave", nil, "dave"},
		{"post-quantum next to a classic key", pq.Recipient().String(), "erin", ErrMixedRecipients, ""},
		{"plugin not on PATH", plugin.EncodeRecipient("imapvaultnope", []byte("x")), "", ErrPluginMissing, ""},
		{"garbage", "not-a-key", "", errAny, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, f := teamVault(t)
			before := len(f.Vault.Recipients)
			r, err := f.Vault.AddRecipient(tc.key, tc.label, "tester", mt1)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("AddRecipient: %v", err)
			case tc.wantErr == errAny && err == nil, tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("AddRecipient: %v; want %v", err, tc.wantErr)
			case tc.wantErr != nil:
				if len(f.Vault.Recipients) != before {
					t.Fatal("a refused recipient was added")
				}
				return
			}
			if r.Label != tc.wantLabel || r.AddedBy != "tester" || !r.Added.Equal(mt1) || strings.Contains(r.Key, "carol@laptop") {
				t.Errorf("added %+v", r)
			}
			if _, err := f.Vault.AddRecipient(tc.key, "", "", mt1); !errors.Is(err, ErrRecipientExists) {
				t.Errorf("adding it twice: %v", err)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")

// TestPostQuantumOnlyVault: post-quantum keys work together, and a classic
// key is refused next to them.
func TestPostQuantumOnlyVault(t *testing.T) {
	dir := t.TempDir()
	me, _ := age.GenerateHybridIdentity()
	id := memberIdentity(t, me)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateHybridIdentity()
	if _, err := f.Vault.AddRecipient(other.Recipient().String(), "pq friend", "", mt1); err != nil {
		t.Fatal(err)
	}
	x, _ := age.GenerateX25519Identity()
	if _, err := f.Vault.AddRecipient(x.Recipient().String(), "classic", "", mt1); !errors.Is(err, ErrMixedRecipients) {
		t.Fatalf("classic next to post-quantum: %v", err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, memberIdentity(t, other)); err != nil {
		t.Fatalf("second post-quantum recipient can't open: %v", err)
	}
}

// TestMemberLosesAccess: a second recipient opens the vault; once removed,
// the new file no longer opens for them, while the backup made by that
// save still does (which is why the CLI says so).
func TestMemberLosesAccess(t *testing.T) {
	path, id, f := teamVault(t)
	k, _ := age.GenerateX25519Identity()
	bob := memberIdentity(t, k)
	if _, err := f.Vault.AddRecipient(bob.Recipient, "bob", "", mt1); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	g, err := Open(path, bob)
	if err != nil || g.Vault.Find("work").Password != sentinelPassword {
		t.Fatalf("bob can't open the team vault: %v", err)
	}
	removed, err := f.RemoveRecipient("BOB", "admin", mt2)
	if err != nil {
		t.Fatal(err)
	}
	if removed.Key != bob.Recipient || removed.Removed == nil || !removed.Removed.Equal(mt2) || removed.RemovedBy != "admin" {
		t.Errorf("removed = %+v", removed)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, bob); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("bob after removal: %v; want ErrNoIdentity", err)
	}
	if _, err := Open(path, id); err != nil {
		t.Fatalf("owner after removal: %v", err)
	}
	backups, _ := Backups(path)
	if len(backups) == 0 {
		t.Fatal("no backup")
	}
	if _, err := Open(backups[0], bob); err != nil {
		t.Errorf("the backup from before the removal should still open for bob: %v", err)
	}
	h, _ := Open(path, id)
	if n := len(h.Vault.Recipients); n != 2 || len(h.Vault.ActiveRecipients()) != 1 {
		t.Errorf("history: %d entries, %d active; want 2 and 1", n, len(h.Vault.ActiveRecipients()))
	}
	// Back again: a new entry, the old one kept.
	if _, err := h.Vault.AddRecipient(bob.Recipient, "bob again", "", mt2.Add(time.Hour)); err != nil || len(h.Vault.Recipients) != 3 {
		t.Errorf("re-add: %v, %d entries", err, len(h.Vault.Recipients))
	}
}

func TestRemoveRecipientRefusesLockout(t *testing.T) {
	k1, _ := age.GenerateX25519Identity()
	k2, _ := age.GenerateX25519Identity()
	stranger, _ := age.GenerateX25519Identity()
	cases := []struct {
		name    string
		mine    []age.Identity // keys in my identity file
		recips  []string       // the vault's recipients, mine[0]'s first
		remove  string
		wantErr error
	}{
		{"the only recipient", []age.Identity{k1}, []string{k1.Recipient().String()}, k1.Recipient().String(), ErrLastRecipient},
		{"myself, leaving only others", []age.Identity{k1}, []string{k1.Recipient().String(), stranger.Recipient().String()}, k1.Recipient().String(), ErrLastRecipient},
		{"one of my two keys", []age.Identity{k1, k2}, []string{k1.Recipient().String(), k2.Recipient().String()}, k1.Recipient().String(), nil},
		{"someone else", []age.Identity{k1}, []string{k1.Recipient().String(), stranger.Recipient().String()}, stranger.Recipient().String(), nil},
		{"nobody by that name", []age.Identity{k1}, []string{k1.Recipient().String()}, "mallory", ErrRecipientNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			idPath := filepath.Join(dir, "id.txt")
			var body string
			for _, k := range tc.mine {
				body += fmt.Sprint(k) + "\n"
			}
			os.WriteFile(idPath, []byte(body), 0o600)
			id, err := LoadIdentity(idPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "vault.age")
			f, err := Create(path, id, mt0)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range tc.recips[1:] {
				if _, err := f.Vault.AddRecipient(r, "", "", mt0); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			_, err = f.RemoveRecipient(tc.remove, "", mt1)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("RemoveRecipient: %v; want %v", err, tc.wantErr)
			}
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(path, id); err != nil {
				t.Fatalf("the vault no longer opens: %v", err)
			}
		})
	}
}

// buildTestPlugin compiles testdata/ageplugin as age-plugin-ivtest and puts
// it on PATH.
func buildTestPlugin(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "age-plugin-ivtest"), "./testdata/ageplugin").CombinedOutput()
	if err != nil {
		t.Fatalf("build the test plugin: %v\n%s", err, out)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestPluginRecipientAndIdentity runs a real age plugin: the vault is
// encrypted to a plugin recipient, opened with a plugin identity whose
// PIN prompt goes through PluginUI.
func TestPluginRecipientAndIdentity(t *testing.T) {
	buildTestPlugin(t)
	k, _ := age.GenerateX25519Identity()
	recipient := plugin.EncodeRecipient("ivtest", []byte(k.Recipient().String()))
	dir := t.TempDir()
	idPath := filepath.Join(dir, "yubi.txt")
	os.WriteFile(idPath, []byte("#    Recipient: "+recipient+"\n"+plugin.EncodeIdentity("ivtest", []byte(k.String()))+"\n"), 0o600)

	var prompts []string
	pin := "4321"
	saved := PluginUI
	t.Cleanup(func() { PluginUI = saved })
	PluginUI = &plugin.ClientUI{
		DisplayMessage: func(name, msg string) error { return nil },
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			prompts = append(prompts, name+": "+prompt)
			return pin, nil
		},
		Confirm: func(name, prompt, yes, no string) (bool, error) { return true, nil },
	}
	id, err := LoadIdentity(idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Kind != IdentityPlugin || id.Recipient != recipient {
		t.Fatalf("identity kind %v recipient %q", id.Kind, id.Recipient)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&Account{Name: "work", Host: "h", Username: "u", Password: sentinelPassword}, mt0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	g, err := Open(path, id)
	if err != nil || g.Vault.Find("work") == nil {
		t.Fatalf("open with the plugin identity: %v", err)
	}
	if len(prompts) == 0 || !strings.Contains(prompts[0], "PIN") {
		t.Errorf("the plugin's PIN prompt never reached PluginUI: %v", prompts)
	}
	// The file decrypts with the plain key inside, so the plugin really wrapped to it.
	if _, err := Open(path, memberIdentity(t, k)); err != nil {
		t.Errorf("plain key can't open a vault wrapped by the plugin: %v", err)
	}
	pin = "0000"
	if _, err := Open(path, id); !errors.Is(err, ErrPluginRefused) || errors.Is(err, ErrCorrupt) {
		t.Errorf("wrong PIN: %v; want ErrPluginRefused and not ErrCorrupt", err)
	}
	if kind, err := DetectIdentity(idPath); err != nil || kind != IdentityPlugin {
		t.Errorf("DetectIdentity = %v, %v; want IdentityPlugin", kind, err)
	}
	t.Setenv("PATH", t.TempDir())
	var missing *PluginMissingError
	if _, err := LoadIdentity(idPath, nil); !errors.As(err, &missing) || missing.Name != "ivtest" {
		t.Errorf("plugin gone: %v; want PluginMissingError", err)
	}
}

func TestReadRecipientsFile(t *testing.T) {
	x, _ := age.GenerateX25519Identity()
	ed, _ := sshKeys(t)
	got, err := ReadRecipientsFile(strings.NewReader("# team\n\n" + x.Recipient().String() + "\n  " + ed + "\n"))
	if err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := ReadRecipientsFile(strings.NewReader("# ok\nAGE-SECRET-KEY-1XYZ\n")); err == nil || strings.Contains(err.Error(), "AGE-SECRET") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a secret key line: %v", err)
	}
	if _, err := ReadRecipientsFile(strings.NewReader("# nothing\n")); err == nil {
		t.Error("an empty file was accepted")
	}
}

func TestFindRecipient(t *testing.T) {
	v := New()
	for _, k := range []string{"age1aaaaaaaaaaaaaaaaaaaaaaaaaaaa111", "age1aaaaaaaaaaaaaaaaaaaaaaaaaaaa222", "age1bbbbbbbbbbbbbbbbbbbbbbbbbbbb333"} {
		v.Recipients = append(v.Recipients, Recipient{Key: k, Label: "L" + k[len(k)-3:], Added: mt0})
	}
	v.Recipients = append(v.Recipients, Recipient{Key: "age1cccccccccccccccccccccccccccc444", Label: "gone", Added: mt0, Removed: &mt1})
	v.Recipients[1].Label = "L111" // two share a label
	cases := []struct {
		in   string
		want int // -1: error
	}{
		{"age1aaaaaaaaaaaaaaaaaaaaaaaaaaaa222", 1},
		{v.Recipients[2].ShortKey(), 2},
		{"age1bbbbbbbb", 2},
		{"age1aaaaaaaa", -1}, // a prefix of two keys
		{"age1b", -1},        // too short to be a prefix
		{"l333", 2},
		{"L111", -1}, // a label of two
		{"gone", -1}, // removed already
		{"AGE-SECRET-KEY-1QQQQ", -1},
	}
	for _, tc := range cases {
		got, err := v.FindRecipient(tc.in)
		if got != tc.want || (err == nil) != (tc.want >= 0) {
			t.Errorf("FindRecipient(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "AGE-SECRET") {
			t.Errorf("error echoes a private key: %v", err)
		}
	}
}
