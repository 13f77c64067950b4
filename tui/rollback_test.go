package tui

import (
	"os"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/vault"
)

// An older copy of the vault put back is not opened: the TUI says so and
// what to do, instead of asking the passphrase again.
func TestUnlockRefusesAnOlderCopy(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	old, err := os.ReadFile(fx.vaultPath)
	if err != nil {
		t.Fatal(err)
	}
	id, err := vault.LoadIdentity(fx.idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Open(fx.vaultPath, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.vaultPath+".swap", old, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Rename(fx.vaultPath+".swap", fx.vaultPath)
	d := newDriver(t, fx.model(fx.options()))
	d.send(tea.WindowSizeMsg{Width: 200, Height: 30})
	if d.m.file != nil || d.m.screen != scrFatal {
		t.Fatalf("opened an older copy (screen %d):\n%s", d.m.screen, d.screen())
	}
	d.wantScreen("this is an older copy than the one opened on", "imapvault trust --rollback")
}
