package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/vault"
)

// The unlock screen names the socket it would unlock, and, with no
// XDG_RUNTIME_DIR, says the desktop session's agent is elsewhere (#29).
func TestUnlockNamesTheAgentSocket(t *testing.T) {
	fx := newFixture(t, true, testAccounts())
	opts := fx.options()
	opts.ShareWithAgent = func(*vault.Identity) error { return nil }
	opts.AgentSocket = "/tmp/imapvault-1000/agent.sock"
	opts.AgentNote = "XDG_RUNTIME_DIR is not set here (cron?), so this is not where an agent started in your desktop session listens"
	d := newDriver(t, fx.model(opts))
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	d.wantScreen("agent socket /tmp/imapvault-1000/agent.sock")
	d.wantScreen("XDG_RUNTIME_DIR is not set here")
	d.keys("tab")
	d.typeText(testPassphrase)
	d.keys("enter")
	d.send(tea.WindowSizeMsg{Width: 220, Height: 30})
	d.wantScreen("the agent is unlocked too, for imapvault get (/tmp/imapvault-1000/agent.sock)")
}
