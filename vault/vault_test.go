package vault

import (
	"path/filepath"
	"testing"
	"time"
)

func TestCreateAddReopen(t *testing.T) {
	dir := t.TempDir()
	id, err := CreateIdentity(filepath.Join(dir, "identity.age"), []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Vault.Add(&Account{Name: "work", Host: "imap.example.com", Username: "me", Password: "pw"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	id2, err := LoadIdentity(id.Path, func() ([]byte, error) { return []byte("correct horse"), nil })
	if err != nil {
		t.Fatal(err)
	}
	g, err := Open(path, id2)
	if err != nil {
		t.Fatal(err)
	}
	a := g.Vault.Find("work")
	if a == nil || a.Password != "pw" || a.Port != 993 {
		t.Fatalf("reopened account = %+v", a)
	}
	if _, err := LoadIdentity(id.Path, func() ([]byte, error) { return []byte("wrong"), nil }); err == nil {
		t.Fatal("wrong passphrase accepted")
	}
}
