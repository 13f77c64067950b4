package vault

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// person is one user: an identity and their own known_vaults (their own
// XDG_STATE_HOME). as switches the process to that person's state.
type person struct {
	name  string
	key   *age.X25519Identity
	id    *Identity
	state string
}

func newPerson(t *testing.T, name string) *person {
	t.Helper()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return &person{name: name, key: k, id: memberIdentity(t, k), state: t.TempDir()}
}

func (p *person) as(t *testing.T) *person {
	t.Setenv("XDG_STATE_HOME", p.state)
	return p
}

func (p *person) recipient() string { return p.key.Recipient().String() }

// forge is what a non-member with write access to the folder does: build
// a vault of their own with imapvault itself (valid MAC under the forger's
// key), list the victim and themselves as recipients, and put it in place
// of the victim's file.
func forge(t *testing.T, victimPath string, forger *person, victims ...string) []byte {
	t.Helper()
	prev := os.Getenv("XDG_STATE_HOME")
	forger.as(t)
	defer t.Setenv("XDG_STATE_HOME", prev)
	dir := t.TempDir()
	p := filepath.Join(dir, "forged.age")
	f, err := Create(p, forger.id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range victims {
		if _, err := f.Vault.AddRecipient(v, "", "forger", mt0); err != nil {
			t.Fatal(err)
		}
	}
	f.Vault.Add(&Account{Name: "bait", Host: "h", Username: "u", Password: "bait-password"}, mt0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, victimPath, data)
	return data
}

// replaceFile swaps the file as a sync tool or an attacker does: a new
// inode renamed into place.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".swap"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// legacyFile encrypts a payload with no key and no MAC to recipients, as
// a vault written before authentication (or a lazier forger) looks.
func legacyFile(t *testing.T, v *Vault, recips ...string) []byte {
	t.Helper()
	plain, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return encryptToAll(t, plain, recips...)
}

func encryptToAll(t *testing.T, plain []byte, recips ...string) []byte {
	t.Helper()
	var rs []age.Recipient
	for _, r := range recips {
		p, err := age.ParseX25519Recipient(r)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, p)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rs...)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	return buf.Bytes()
}

// forgerCanRead reports whether the forger's identity decrypts any file
// in dir other than skip.
func forgerCanRead(t *testing.T, dir string, forger *person, skip string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == skip {
			return nil
		}
		data, _ := os.ReadFile(p)
		if _, err := age.Decrypt(bytes.NewReader(data), forger.key); err == nil {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func activeKeysOf(v *Vault) []string { return activeKeys(v) }

// teamOf makes a vault created by the first person with the others as
// recipients, each of whom has opened it once (so they know its key).
func teamOf(t *testing.T, people ...*person) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vault.age")
	people[0].as(t)
	f, err := Create(path, people[0].id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range people[1:] {
		if _, err := f.Vault.AddRecipient(p.recipient(), p.name, people[0].name, mt0); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	for _, p := range people[1:] {
		p.as(t)
		if _, err := Open(path, p.id); err != nil {
			t.Fatal(err)
		}
	}
	return path
}
