package vault_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// A new vault behind a passphrase-protected identity, one account added,
// saved, and read back.
func Example() {
	dir, err := os.MkdirTemp("", "vault-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	vault.ScryptWorkFactor = 10 // examples and tests only; the default is 18

	id, err := vault.CreateIdentity(filepath.Join(dir, "identity.age"), []byte("a long passphrase"))
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := vault.Create(path, id, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	err = f.Vault.Add(&vault.Account{Name: "work", Host: "imap.example.com", Username: "me@example.com", Password: "s3cret"}, time.Now())
	if err != nil {
		log.Fatal(err)
	}
	if err := f.Save(); err != nil {
		log.Fatal(err)
	}

	unlocked, err := vault.LoadIdentity(id.Path, func() ([]byte, error) { return []byte("a long passphrase"), nil })
	if err != nil {
		log.Fatal(err)
	}
	g, err := vault.OpenLocked(path, unlocked)
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	a := g.Vault.Find("work")
	fmt.Println(a.Addr(), a.Security, a.Username)
	// Output: imap.example.com:993 tls me@example.com
}
