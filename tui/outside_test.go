package tui

import (
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// The TUI notices another program's save without saving itself, offers R,
// and R takes the outside change in while keeping an unsaved-yet edit.
func TestNoticesOutsideChangeAndReloads(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.tick(3*time.Second, fx.clk)
	d.notOnScreen("changed the vault on disk")

	otherProgramSaves(t, fx, func(v *vault.Vault) { v.Find("bob-home").Notes = "changed elsewhere" })
	d.tick(3*time.Second, fx.clk)
	d.wantScreen("another program changed the vault on disk", "R reloads")
	d.keys("R")
	if n := d.m.file.Vault.Find("bob-home").Notes; n != "changed elsewhere" {
		t.Fatalf("after R, bob's notes in memory %q", n)
	}
	d.wantScreen("merged changes")
	// Nothing is left to notice until the file changes again.
	d.tick(3*time.Second, fx.clk)
	d.notOnScreen("another program changed")
	if n := fx.reopen(t).Find("bob-home").Notes; n != "changed elsewhere" {
		t.Fatalf("on disk after the reload %q", n)
	}
}
