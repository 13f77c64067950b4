package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
)

const idPass = "identity passphrase 1"

// writeSSHKey writes an ed25519 key in OpenSSH format, protected when
// passphrase is not empty, and its .pub beside it.
func writeSSHKey(tb testing.TB, path, passphrase string) string {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	var blk *pem.Block
	if passphrase == "" {
		blk, err = ssh.MarshalPrivateKey(priv, "test key")
	} else {
		blk, err = ssh.MarshalPrivateKeyWithPassphrase(priv, "test key", []byte(passphrase))
	}
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(blk), 0o600); err != nil {
		tb.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	authorized := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	if err := os.WriteFile(path+".pub", []byte(authorized+" test key\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return authorized
}

func writePlainKey(tb testing.TB, path string) string {
	tb.Helper()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("# a comment\n"+k.String()+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return k.Recipient().String()
}

func passOf(s string) PassphraseFunc {
	return func() ([]byte, error) { return []byte(s), nil }
}

func TestIdentityKinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string) string // returns the recipient
		kind IdentityKind
	}{
		{"protected age", func(t *testing.T, path string) string {
			id, err := CreateIdentity(path, []byte(idPass))
			if err != nil {
				t.Fatal(err)
			}
			return id.Recipient
		}, IdentityProtected},
		{"plain age", func(t *testing.T, path string) string { return writePlainKey(t, path) }, IdentityPlain},
		{"ssh ed25519", func(t *testing.T, path string) string { return writeSSHKey(t, path, "") }, IdentitySSH},
		{"ssh ed25519 with passphrase", func(t *testing.T, path string) string { return writeSSHKey(t, path, idPass) }, IdentitySSHEncrypted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "key")
			recipient := tc.make(t, path)

			kind, err := DetectIdentity(path)
			if err != nil || kind != tc.kind {
				t.Fatalf("DetectIdentity = %v, %v; want %v", kind, err, tc.kind)
			}
			asked := 0
			pass := func() ([]byte, error) { asked++; return []byte(idPass), nil }
			id, err := LoadIdentity(path, pass)
			if err != nil {
				t.Fatal(err)
			}
			if want := b2i(tc.kind.NeedsPassphrase()); asked != want {
				t.Errorf("passphrase asked %d times; want %d", asked, want)
			}
			if id.Kind != tc.kind || id.Recipient != recipient || id.Path != path {
				t.Errorf("loaded %v %q %q; want %v %q %q", id.Kind, id.Recipient, id.Path, tc.kind, recipient, path)
			}

			// The identity opens a vault encrypted to its recipient,
			// and opening asks for no passphrase again.
			vpath := filepath.Join(dir, "vault.age")
			f, err := Create(vpath, id, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			f.Vault.Add(&Account{Name: "n", Host: "h", Username: "u", Password: "p"}, time.Now())
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			g, err := Open(vpath, id)
			if err != nil {
				t.Fatal(err)
			}
			if a := g.Vault.Find("n"); a == nil || a.Password != "p" {
				t.Fatalf("reopened vault lost the account: %+v", g.Vault.Accounts)
			}
			if want := b2i(tc.kind.NeedsPassphrase()); asked != want {
				t.Errorf("passphrase asked %d times after open; want %d", asked, want)
			}

			if !tc.kind.NeedsPassphrase() {
				return
			}
			before := takeSnapshot(t, dir)
			if _, err := LoadIdentity(path, passOf("not it")); !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("wrong passphrase: got %v; want ErrWrongPassphrase", err)
			}
			if _, err := LoadIdentity(path, nil); err == nil || !strings.Contains(err.Error(), "passphrase") {
				t.Errorf("no passphrase: got %v; want an error about the passphrase", err)
			}
			if d := before.diff(takeSnapshot(t, dir)); len(d) > 0 {
				t.Errorf("failed loads changed files: %v", d)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDetectIdentityMissing(t *testing.T) {
	kind, err := DetectIdentity(filepath.Join(t.TempDir(), "nope"))
	if err != nil || kind != IdentityMissing {
		t.Fatalf("got %v, %v; want IdentityMissing", kind, err)
	}
	if _, err := LoadIdentity(filepath.Join(t.TempDir(), "nope"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LoadIdentity of a missing file: %v; want os.ErrNotExist", err)
	}
}

func TestCreateIdentity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "imapvault")
	path := filepath.Join(dir, "identity.age")
	id, err := CreateIdentity(path, []byte(idPass))
	if err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("identity file mode %o; want 600", m)
	}
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if m := mode(t, d); m != 0o700 {
			t.Errorf("folder %s mode %o; want 700", d, m)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("AGE-SECRET-KEY-")) {
		t.Fatal("identity file holds the secret key in the clear")
	}

	// age's own library, given only the passphrase, recovers the key.
	plain := decryptWithPassphrase(t, data, idPass)
	ids, err := age.ParseIdentities(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	if got := ids[0].(*age.X25519Identity).Recipient().String(); got != id.Recipient {
		t.Fatalf("recovered key's recipient %s; want %s", got, id.Recipient)
	}

	for _, tc := range []struct {
		name string
		path string
		pass string
	}{
		{"existing file", path, "another passphrase"},
		{"empty passphrase", filepath.Join(dir, "other.age"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := takeSnapshot(t, dir)
			if _, err := CreateIdentity(tc.path, []byte(tc.pass)); err == nil {
				t.Fatal("CreateIdentity succeeded; want an error")
			}
			if d := before.diff(takeSnapshot(t, dir)); len(d) > 0 {
				t.Fatalf("refused CreateIdentity changed files: %v", d)
			}
		})
	}
}

// decryptWithPassphrase opens an armored scrypt age file with age's library.
func decryptWithPassphrase(tb testing.TB, data []byte, pass string) []byte {
	tb.Helper()
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(data)), sid)
	if err != nil {
		tb.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		tb.Fatal(err)
	}
	return plain
}
