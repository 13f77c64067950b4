package tui

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	tea "charm.land/bubbletea/v2"
	"filippo.io/age"
	"filippo.io/age/plugin"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// A vault opened with a plugin identity (a hardware key, here a real test
// plugin that wants a PIN) asks for the PIN inside the TUI: a wrong PIN
// fails the unlock, the right one opens the vault, and the PIN is never shown.
func TestPluginPINAskedInsideTUI(t *testing.T) {
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "age-plugin-ivtest"), "../vault/testdata/ageplugin").CombinedOutput(); err != nil {
		t.Fatalf("build the test plugin: %v\n%s", err, out)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	k, _ := age.GenerateX25519Identity()
	recipient := plugin.EncodeRecipient("ivtest", []byte(k.Recipient().String()))
	fx := newFixture(t, false, nil)
	os.WriteFile(fx.idPath, []byte("# Recipient: "+recipient+"\n"+plugin.EncodeIdentity("ivtest", []byte(k.String()))+"\n"), 0o600)
	var ready chan struct{}
	var tm *teatest.TestModel
	saved := vault.PluginUI
	vault.PluginUI = pluginUI(func(m tea.Msg) { <-ready; tm.Send(m) })
	t.Cleanup(func() { vault.PluginUI = saved })
	id, err := vault.LoadIdentity(fx.idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Create(fx.vaultPath, id, t0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Accounts = testAccounts()
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ pin, want string }{
		{"0000", "press enter to try again"}, // a wrong PIN fails the unlock, not the program
		{"4321", "bob-home"},
	} {
		ready = make(chan struct{})
		tm = teatest.NewTestModel(t, fx.model(fx.options()), teatest.WithInitialTermSize(100, 30))
		close(ready)
		var out bytes.Buffer
		waitFor(t, tm, &out, "PIN for the ivtest key")
		tm.Type(tc.pin)
		tm.Send(enter())
		waitFor(t, tm, &out, tc.want)
		tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		tm.Type("q")
		tm.WaitFinished(t, teatest.WithFinalTimeout(testwait.Patience))
		if bytes.Contains(out.Bytes(), []byte(tc.pin)) {
			t.Errorf("the PIN %s was shown on screen", tc.pin)
		}
	}
}
