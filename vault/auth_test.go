package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

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
