package vault

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

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

func TestForgedVaultRefusedOnOpen(t *testing.T) {
	alice, mallory := newPerson(t, "alice"), newPerson(t, "mallory")
	alice.as(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, alice.id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&Account{Name: "work", Host: "h", Username: "u", Password: sentinelPassword}, mt0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name  string
		forge func() []byte
	}{
		{"own key and MAC", func() []byte { return forge(t, path, mallory, alice.recipient()) }},
		{"no MAC at all", func() []byte {
			v := New()
			v.Recipients = []Recipient{{Key: alice.recipient(), Added: mt0}, {Key: mallory.recipient(), Added: mt0}}
			data := legacyFile(t, v, alice.recipient(), mallory.recipient())
			replaceFile(t, path, data)
			return data
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			alice.as(t)
			forged := tc.forge()
			before := takeSnapshot(t, dir)
			for name, open := range map[string]func(string, *Identity) (*File, error){"Open": Open, "OpenLocked": OpenLocked} {
				g, err := open(path, alice.id)
				if !errors.Is(err, ErrUntrusted) {
					t.Fatalf("%s of a forged vault: %v, want ErrUntrusted", name, err)
				}
				if g != nil || !strings.Contains(err.Error(), path) {
					t.Errorf("%s: the error must name the file: %v", name, err)
				}
			}
			if d := before.diff(takeSnapshot(t, dir)); len(d) > 0 {
				t.Errorf("refusing the forged vault changed files: %v", d)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, forged) {
				t.Error("the forged file was rewritten")
			}
		})
	}
}

// TestForgedVaultRefusedOnMerge: the forged file lands while a vault is
// open (the TUI's Reload, a merging save). Nothing of it is merged, the
// recipients stay, and nothing saved afterwards is readable by the forger.
func TestForgedVaultRefusedOnMerge(t *testing.T) {
	alice, mallory := newPerson(t, "alice"), newPerson(t, "mallory")
	alice.as(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, alice.id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	recips := activeKeysOf(f.Vault)
	forged := forge(t, path, mallory, alice.recipient())

	if changed, _ := f.ChangedOnDisk(); !changed {
		t.Fatal("the outside-change watcher did not notice the swap")
	}
	if _, err := f.Reload(); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Reload of a forged file: %v, want ErrUntrusted naming the file", err)
	}
	if _, err := f.Reread(); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("Reread of a forged file: %v", err)
	}
	f.Vault.Add(&Account{Name: "typed-later", Host: "h", Username: "u", Password: sentinelPassword}, mt0)
	if _, err := f.SaveMerged(); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("SaveMerged over a forged file: %v, want ErrUntrusted", err)
	}
	if !slices.Equal(activeKeysOf(f.Vault), recips) {
		t.Errorf("recipients changed: %v, want %v", activeKeysOf(f.Vault), recips)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, forged) {
		t.Error("something was saved over the forged file")
	}
	if r := forgerCanRead(t, dir, mallory, path); len(r) > 0 {
		t.Errorf("the forger can read %v", r)
	}

	// The person removes the forged file (restores a backup) and goes on:
	// still nothing for the forger.
	bs, _ := Backups(path)
	if len(bs) == 0 {
		t.Fatal("no backup to restore")
	}
	data, _ := os.ReadFile(bs[0])
	replaceFile(t, path, data)
	if _, err := f.SaveMerged(); err != nil {
		t.Fatalf("save after restoring the backup: %v", err)
	}
	if r := forgerCanRead(t, dir, mallory, ""); len(r) > 0 {
		t.Errorf("the forger can read %v", r)
	}
	g, err := Open(path, alice.id)
	if err != nil || g.Vault.Find("typed-later") == nil || !slices.Equal(activeKeysOf(g.Vault), recips) {
		t.Fatalf("reopen: %v", err)
	}
}

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

// TestTamperedPayloadRefused: a member's file whose content no longer
// matches its MAC (edited by hand, or a forger who copied the key field
// without knowing... anything) is refused.
func TestTamperedPayloadRefused(t *testing.T) {
	alice := newPerson(t, "alice").as(t)
	path := teamOf(t, alice)
	f, _ := Open(path, alice.id)
	in, _ := sealedPayload(f.Vault, f.key)
	tampered := bytes.Replace(in, []byte(`"recipients":[`), []byte(`"recipients":[{"key":"`+newPerson(t, "m").recipient()+`","added":"2020-01-01T00:00:00Z"},`), 1)
	replaceFile(t, path, encryptTo(t, tampered, alice.recipient()))
	if _, err := Open(path, alice.id); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("tampered payload: %v", err)
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
