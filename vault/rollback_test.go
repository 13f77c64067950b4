package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An older authentic copy put back (a shared folder, a sync tool) is
// refused on open, with when the newer one was opened; TrustRollback takes
// it on purpose; each save counts one generation more. known_vaults on
// disk here, as in real use.
func TestRollbackRefused(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, f := newVault(t)
	gen := f.Vault.Generation
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("acct").SetPassword("v1-newer", time.Now())
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if f.Vault.Generation != gen+1 {
		t.Fatalf("generation %d after a save from %d", f.Vault.Generation, gen)
	}
	if g, err := Open(path, id); err != nil || g.Vault.Generation != gen+1 {
		t.Fatalf("open the newest: %v", err)
	}

	replaceFile(t, path, old)
	_, err = Open(path, id)
	var re *RollbackError
	if !errors.Is(err, ErrRollback) || !errors.As(err, &re) || re.Generation != gen || re.Known != gen+1 {
		t.Fatalf("open of the older copy: %v", err)
	}
	if !strings.Contains(err.Error(), "this is an older copy than the one opened on "+time.Now().Format("2006-01-02")) {
		t.Errorf("error %q does not say when", err)
	}
	if b, _ := os.ReadFile(path); string(b) != string(old) {
		t.Fatal("the refused copy was changed")
	}

	rep, err := TrustRollback(path, id)
	if err != nil || rep.Generation != gen || rep.Known != gen+1 {
		t.Fatalf("TrustRollback: %+v %v", rep, err)
	}
	g, err := Open(path, id)
	if err != nil {
		t.Fatalf("open after TrustRollback: %v", err)
	}
	if g.Vault.Find("acct").Password != "v0" {
		t.Fatal("not the older copy")
	}
	if err := g.Save(); err != nil || g.Vault.Generation != gen+1 {
		t.Fatalf("save after the rollback: generation %d, %v", g.Vault.Generation, err)
	}
	if _, err := Open(path, id); err != nil {
		t.Fatal(err)
	}
}

// Two authentic copies edited apart still merge: the result takes the
// higher generation and its save one more, so both copies are older.
func TestRollbackMergeTakesTheMax(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, _ := newVault(t)
	a, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		a.Vault.Find("acct").Notes += "a"
		if err := a.Save(); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Vault.Add(&Account{Name: "from-b", Host: "h", Username: "u", Password: "pb"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SaveMerged(); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if b.Vault.Generation != a.Vault.Generation+1 {
		t.Fatalf("merged generation %d, want %d", b.Vault.Generation, a.Vault.Generation+1)
	}
	c, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Vault.Find("from-b") == nil || c.Vault.Find("acct").Notes != "aaa" {
		t.Fatal("the merge lost an edit")
	}
	if m, _ := Merge(nil, &Vault{Generation: 7}, &Vault{Generation: 4}); m.Generation != 7 {
		t.Errorf("Merge generation %d, want 7", m.Generation)
	}
}

// A vault re-created under another key is another vault: trusting its key
// starts its generations afresh.
func TestTrustNewKeyResetsGeneration(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, f := newVault(t)
	for range 3 {
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
	}
	other := filepath.Join(t.TempDir(), "other.age")
	if _, err := Create(other, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(other)
	replaceFile(t, path, data)
	if _, err := Trust(path, id); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, id); err != nil {
		t.Fatalf("open after trusting the new key: %v", err)
	}
}

// A caller that saves a copy of the vault it read (the TUI saves
// snapshots) still counts on from the File's last save, not the copy's.
func TestGenerationFollowsTheFile(t *testing.T) {
	path, id, f := newVault(t)
	stale := f.Vault.Clone()
	for range 3 {
		c := *stale
		f.Vault = &c
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
	}
	g, err := Open(path, id)
	if err != nil {
		t.Fatalf("open after saves of stale copies: %v", err)
	}
	if g.Vault.Generation != stale.Generation+3 {
		t.Fatalf("generation %d, want %d", g.Vault.Generation, stale.Generation+3)
	}
}
