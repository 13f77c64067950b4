package vault

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTeammateSaveMergesAndNewRecipientAnnouncedOnce(t *testing.T) {
	alice, bob, carol := newPerson(t, "alice"), newPerson(t, "bob"), newPerson(t, "carol")
	path := teamOf(t, alice, bob)

	alice.as(t)
	fa, err := Open(path, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.NewRecipients()) != 0 || fa.FirstUse() {
		t.Fatalf("alice's own recipients announced: %v", fa.NewRecipients())
	}

	// Bob adds carol and an account.
	bob.as(t)
	fb, err := OpenLocked(path, bob.id)
	if err != nil {
		t.Fatal(err)
	}
	fb.Vault.AddRecipient(carol.recipient(), "carol", "bob", mt0)
	fb.Vault.Add(&Account{Name: "bobs", Host: "h", Username: "u", Password: "pw-bob"}, mt0)
	if err := fb.Save(); err != nil {
		t.Fatal(err)
	}
	if len(fb.NewRecipients()) != 0 {
		t.Error("bob's own addition announced to bob")
	}
	fb.Close()

	// Alice, open meanwhile, merges it: carol is announced, once.
	alice.as(t)
	fa.Vault.Add(&Account{Name: "alices", Host: "h", Username: "u", Password: "pw-alice"}, mt0)
	if _, err := fa.SaveMerged(); err != nil {
		t.Fatalf("a teammate's save must merge: %v", err)
	}
	if got := fa.NewRecipients(); len(got) != 1 || got[0].Key != carol.recipient() {
		t.Fatalf("announced %v, want carol", got)
	}
	if fa.Vault.Find("bobs") == nil || fa.Vault.Find("alices") == nil {
		t.Fatal("merge lost an account")
	}
	again, err := Open(path, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.NewRecipients()) != 0 {
		t.Errorf("carol announced a second time: %v", again.NewRecipients())
	}

	// Between two commands: dave, added by bob while alice's program is
	// not running, is announced on alice's next open, and only then.
	dave := newPerson(t, "dave")
	bob.as(t)
	fb, _ = OpenLocked(path, bob.id)
	fb.Vault.AddRecipient(dave.recipient(), "dave", "bob", mt0)
	fb.Save()
	fb.Close()
	alice.as(t)
	for i, want := range []int{1, 0} {
		g, err := Open(path, alice.id)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.NewRecipients()) != want {
			t.Errorf("open %d: announced %v, want %d", i, g.NewRecipients(), want)
		}
	}
}

// TestRemovalRotatesKeyWithProof: removing a recipient rotates the key;
// the others accept the new key on their next open without being asked,
// the removed one cannot read it, and a vault the removed one builds from
// the old key is refused by those who saw the rotation.
func TestRemovalRotatesKeyWithProof(t *testing.T) {
	alice, bob, carol := newPerson(t, "alice"), newPerson(t, "bob"), newPerson(t, "carol")
	path := teamOf(t, alice, bob, carol)
	alice.as(t)
	f, err := OpenLocked(path, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, oldID := f.key, f.KeyID()
	if _, err := f.RemoveRecipient(bob.recipient(), "alice", mt0); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if f.KeyID() == oldID || f.KeyID() == "" {
		t.Fatal("removing a recipient did not rotate the vault key")
	}
	carol.as(t)
	g, err := Open(path, carol.id)
	if err != nil {
		t.Fatalf("carol is asked about a rotation a member made: %v", err)
	}
	if g.KeyID() != f.KeyID() {
		t.Fatal("carol did not take the new key")
	}
	if _, err := Open(path, bob.id); !errors.Is(err, ErrNoIdentity) {
		t.Fatalf("bob still opens the vault: %v", err)
	}

	// Bob knew the old key: he forges a vault under it (valid MAC) that
	// lists him again. Carol saw the rotation, so it is refused.
	v := g.Vault.Clone()
	v.Recipients = append(v.Recipients, Recipient{Key: bob.recipient(), Added: time.Now()})
	v.VaultKey, v.KeyHistory = hex.EncodeToString(oldKey), nil
	plain, err := sealedPayload(v, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, encryptToAll(t, plain, carol.recipient(), bob.recipient()))
	if _, err := Open(path, carol.id); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("carol opened a vault forged under the retired key: %v", err)
	}
}

// TestKeyChangeNeedsTrust: a vault whose key changed without proof (a new
// vault put in place, or a forgery) is refused until Trust.
func TestKeyChangeNeedsTrust(t *testing.T) {
	alice := newPerson(t, "alice").as(t)
	path := teamOf(t, alice)
	other := filepath.Join(t.TempDir(), "other.age")
	if _, err := Create(other, alice.id, mt0); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other)
	replaceFile(t, path, data)
	_, err := Open(path, alice.id)
	var ue *UntrustedError
	if !errors.As(err, &ue) || !ue.KeyChanged() {
		t.Fatalf("open after a key change: %v", err)
	}
	rep, err := Trust(path, alice.id)
	if err != nil || rep.OldKeyID == "" || rep.NewKeyID == rep.OldKeyID {
		t.Fatalf("Trust: %+v, %v", rep, err)
	}
	if _, err := Open(path, alice.id); err != nil {
		t.Fatalf("open after trust: %v", err)
	}
}

// TestLegacyVaultUpgrades: a vault from before keys opens (trusted on
// first use) and gets a key on its next save; from then on a file without
// a MAC is refused.
func TestLegacyVaultUpgrades(t *testing.T) {
	alice := newPerson(t, "alice").as(t)
	path := filepath.Join(t.TempDir(), "vault.age")
	v := New()
	v.Recipients = []Recipient{{Key: alice.recipient(), Added: mt0}}
	legacy := legacyFile(t, v, alice.recipient())
	if err := os.WriteFile(path, legacy, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path, alice.id)
	if err != nil || f.KeyID() != "" || !f.FirstUse() {
		t.Fatalf("open a vault from before keys: %v (key %q)", err, f.KeyID())
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if f.KeyID() == "" {
		t.Fatal("the save did not give the vault a key")
	}
	if _, err := Open(path, alice.id); err != nil {
		t.Fatal(err)
	}
	replaceFile(t, path, legacy)
	if _, err := Open(path, alice.id); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("a MAC-less file after the upgrade: %v, want ErrUntrusted", err)
	}
}

// TestKnownVaultsHoldNoSecret: the state file names keys by ID only, is
// 0600 in a 0700 folder, and never holds the key or a password.
func TestKnownVaultsHoldNoSecret(t *testing.T) {
	alice := newPerson(t, "alice").as(t)
	path := teamOf(t, alice)
	f, err := Open(path, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&Account{Name: "work", Host: "h", Username: "u", Password: sentinelPassword}, mt0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	kv := KnownVaultsFile()
	data, err := os.ReadFile(kv)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{hex.EncodeToString(f.key), sentinelPassword, "AGE-SECRET-KEY"} {
		if strings.Contains(strings.ToUpper(string(data)), strings.ToUpper(secret)) {
			t.Errorf("known_vaults holds a secret (%.12s...)", secret)
		}
	}
	if !strings.Contains(string(data), f.KeyID()) || !strings.Contains(string(data), alice.recipient()) {
		t.Errorf("known_vaults lacks the key ID or the recipient:\n%s", data)
	}
	if m := mode(t, kv); m != 0o600 {
		t.Errorf("known_vaults mode %v", m)
	}
	if m := mode(t, filepath.Dir(kv)); m != 0o700 {
		t.Errorf("known_vaults folder mode %v", m)
	}
}

// TestMissedRotationsAreFollowed: carol last saw the first key; two
// removals later (made by a program that replaced its File's Vault in
// between, as the TUI does with snapshots) she still follows the chain.
func TestMissedRotationsAreFollowed(t *testing.T) {
	alice, bob, carol, dave := newPerson(t, "alice"), newPerson(t, "bob"), newPerson(t, "carol"), newPerson(t, "dave")
	path := teamOf(t, alice, bob, carol, dave)
	alice.as(t)
	f, err := Open(path, alice.id)
	if err != nil {
		t.Fatal(err)
	}
	first := f.KeyID()
	stale := f.Vault.Clone()
	if _, err := f.RemoveRecipient(bob.recipient(), "alice", mt0); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Vault = stale // a copy from before the save: its key fields are old
	for i := range f.Vault.Recipients {
		if f.Vault.Recipients[i].Key == bob.recipient() {
			f.Vault.Recipients[i].Removed = &mt0
		}
	}
	if _, err := f.RemoveRecipient(dave.recipient(), "alice", mt0); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if n := len(f.history); n != 2 || f.KeyID() == first {
		t.Fatalf("after two removals: %d links, key %s (first %s)", n, f.KeyID(), first)
	}
	carol.as(t)
	if _, err := Open(path, carol.id); err != nil {
		t.Fatalf("carol, who missed two rotations: %v", err)
	}
}
