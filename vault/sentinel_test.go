package vault

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSentinelNeverOnDisk writes a vault holding a sentinel password as
// current, retired and pending password through every path that touches
// disk, then searches every file under the folder for it.
func TestSentinelNeverOnDisk(t *testing.T) {
	dir := t.TempDir()
	id, err := CreateIdentity(filepath.Join(dir, "config", "identity.age"), []byte(sentinelPassword+"-passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data", "vault.age")
	now := time.Now()
	f, err := Create(path, id, now)
	if err != nil {
		t.Fatal(err)
	}
	a := &Account{Name: "acct", Host: "h", Username: "u", Password: sentinelPassword}
	if err := f.Vault.Add(a, now); err != nil {
		t.Fatal(err)
	}
	for i, step := range []func(){
		func() {},
		func() { a.SetPassword("next-"+sentinelPassword, now) },
		func() { a.Pending = &Pending{Password: sentinelPassword + "-pending", State: PendingSaved} },
		func() { a.Notes = "x" },
		func() {},
		func() {},
		func() {},
	} {
		step()
		if err := f.Save(); err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}

	// Errors on the way must not carry it either.
	for _, err := range []error{
		f.Vault.Add(&Account{Name: "acct", Host: "h", Username: "u", Password: sentinelPassword}, now),
		f.Vault.Add(&Account{Name: "x", Host: "h", Username: "u", Password: sentinelPassword, Port: 70000}, now),
		func() error { _, err := LoadIdentity(id.Path, passOf(sentinelPassword)); return err }(),
	} {
		if err == nil {
			t.Fatal("expected an error")
		}
		if strings.Contains(err.Error(), "SENTINEL") {
			t.Errorf("error text carries the password: %v", err)
		}
	}

	b, _ := Backups(path)
	if len(b) < 5 {
		t.Fatalf("%d backups; the test should cover a full backup set", len(b))
	}
	files := takeSnapshot(t, dir)
	for name, data := range files {
		if bytes.Contains(data, []byte("SENTINEL")) {
			t.Errorf("%s holds the sentinel in plaintext", name)
		}
	}
	// The search must be able to fail: the vault decrypts to it.
	plain, err := decryptAll(files[filepath.Join("data", "vault.age")], id)
	if err != nil || !bytes.Contains(plain, []byte(sentinelPassword)) {
		t.Fatalf("decrypted vault lacks the sentinel: %v", err)
	}
}

func decryptAll(data []byte, id *Identity) ([]byte, error) {
	v, _, err := decode(data, id.Identities)
	if err != nil {
		return nil, err
	}
	if v.Find("acct") == nil {
		return nil, errors.New("no account")
	}
	var out []byte
	for _, a := range v.Accounts {
		out = append(out, a.Password...)
	}
	return out, nil
}
