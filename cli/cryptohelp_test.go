package cli

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

func itoa(n int) string { return strconv.Itoa(n) }

func loadTestIdentity(t *testing.T, s *sandbox) *vault.Identity {
	t.Helper()
	id, err := vault.LoadIdentity(s.identity, func() ([]byte, error) { return []byte("test passphrase"), nil })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func decryptVault(t *testing.T, s *sandbox) []byte {
	t.Helper()
	id := loadTestIdentity(t, s)
	r, err := age.Decrypt(bytes.NewReader(readFile(t, s.vault)), id.Identities...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encryptTo(t *testing.T, s *sandbox, plain []byte) []byte {
	t.Helper()
	id := loadTestIdentity(t, s)
	rcp, err := vault.ParseRecipient(id.Recipient)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rcp)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	return buf.Bytes()
}

// decryptedAccount reads one account straight from the vault file.
func decryptedAccount(t *testing.T, s *sandbox, name string) *vault.Account {
	t.Helper()
	f, err := vault.Open(s.vault, loadTestIdentity(t, s))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.Find(name)
	if a == nil {
		t.Fatalf("no account %q", name)
	}
	return a
}
