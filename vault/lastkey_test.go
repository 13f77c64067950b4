package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"
)

// TestMergeCannotRemoveTheLastOwnKey is issue 11 item 9: one identity
// file holds k1 and k2; two processes remove k1 and k2 respectively. Each
// removal alone is fine, but the merged result would open only for the
// other member: the second save is refused and the file stays openable.
func TestMergeCannotRemoveTheLastOwnKey(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	k1, _ := age.GenerateX25519Identity()
	k2, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	idPath := filepath.Join(dir, "two-keys.txt")
	if err := os.WriteFile(idPath, []byte(k1.String()+"\n"+k2.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := LoadIdentity(idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{k2.Recipient().String(), other.Recipient().String()} {
		if _, err := f.Vault.AddRecipient(k, "", "", mt0); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}

	a, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RemoveRecipient(k1.Recipient().String(), "a", mt0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RemoveRecipient(k2.Recipient().String(), "b", mt0); err != nil {
		t.Fatal(err) // b still sees k1, so its own check passes
	}
	if _, err := a.SaveMerged(); err != nil {
		t.Fatal(err)
	}
	onDisk, _ := os.ReadFile(path)
	_, err = b.SaveMerged()
	if !errors.Is(err, ErrLastRecipient) {
		t.Fatalf("the merged save that locks the identity out: %v, want ErrLastRecipient", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, onDisk) {
		t.Fatal("the refused save wrote the vault")
	}
	if _, err := Open(path, id); err != nil {
		t.Fatalf("the identity can no longer open the vault: %v", err)
	}
	// A plain Save of a vault that lost every own key is refused too.
	c, _ := Open(path, id)
	for i := range c.Vault.Recipients {
		if c.Vault.Recipients[i].Key == k2.Recipient().String() {
			c.Vault.Recipients[i].Removed = &mt0
		}
	}
	if err := c.Save(); !errors.Is(err, ErrLastRecipient) {
		t.Fatalf("Save without any own key: %v", err)
	}
}
