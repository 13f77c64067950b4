package tui

import (
	"os"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// The TUI notices another program's save without saving itself, offers R,
// and R takes the outside change in while keeping an edit of ours that is
// not on disk yet (its save failed while the file was unreadable).
func TestNoticesOutsideChangeAndReloads(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.tick(3*time.Second, fx.clk)
	d.notOnScreen("changed the vault on disk")

	// An edit whose save fails: the file is briefly not a vault.
	good, err := os.ReadFile(fx.vaultPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.vaultPath, []byte("not a vault"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.selectName("carol")
	d.keys("e", "tab", "ctrl+u", "'unsaved.example.net", "ctrl+s")
	d.wantScreen("unsaved changes")
	if err := os.WriteFile(fx.vaultPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if h := fx.reopen(t).Find("carol").Host; h == "unsaved.example.net" {
		t.Fatal("the edit reached the disk: nothing unsaved to keep")
	}

	otherProgramSaves(t, fx, func(v *vault.Vault) { v.Find("bob-home").Notes = "changed elsewhere" })
	d.tick(3*time.Second, fx.clk)
	d.wantScreen("another program changed the vault on disk", "R reloads")
	d.keys("R")
	if n := d.m.file.Vault.Find("bob-home").Notes; n != "changed elsewhere" {
		t.Fatalf("after R, bob's notes in memory %q", n)
	}
	if h := d.m.file.Vault.Find("carol").Host; h != "unsaved.example.net" {
		t.Fatalf("after R, the unsaved edit of carol's host is gone: %q", h)
	}
	d.wantScreen("merged changes")
	// Nothing is left to notice until the file changes again.
	d.tick(3*time.Second, fx.clk)
	d.notOnScreen("another program changed")
	d.keys("ctrl+s")
	v := fx.reopen(t)
	if n := v.Find("bob-home").Notes; n != "changed elsewhere" {
		t.Fatalf("on disk after the reload %q", n)
	}
	if h := v.Find("carol").Host; h != "unsaved.example.net" {
		t.Fatalf("carol's host on disk after the reload and a save: %q", h)
	}
}
