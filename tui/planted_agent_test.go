package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/internal/testplant"
	"github.com/imapvault/imapvault/vault"
)

// "also unlock the agent" (tab at the prompt) goes through the same check
// as every client: an agent's folder made by another user, or another
// user's process on the socket, gets no key. The TUI unlocks anyway and
// says why the agent was not.
func TestShareRefusesAPlantedAgent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(*testing.T, string, string) *testplant.Plant
		want  string
	}{
		{"their folder", testplant.Foreign, "belongs to uid 65534"},
		{"their process in our folder", testplant.InOurDir, "is served by uid 65534"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testplant.NeedRoot(t)
			fx := newFixture(t, true, testAccounts())
			runtime := testplant.PublicDir(t)
			getenv := func(k string) string {
				if k == "XDG_RUNTIME_DIR" {
					return runtime
				}
				return ""
			}
			dir, _ := agent.Dir(getenv)
			p := tc.plant(t, dir, agent.AbsPath(fx.idPath))
			opts := fx.options()
			opts.AgentIdentity = func() *vault.Identity { return nil }
			var shareErr error
			opts.ShareWithAgent = func(id *vault.Identity) error {
				shareErr = agent.UnlockWith(getenv, id, 0, 0)
				return shareErr
			}
			d := newDriver(t, fx.model(opts))
			d.keys("tab")
			d.wantScreen("[x] also unlock the agent")
			d.typeText(testPassphrase)
			d.keys("enter")
			if d.m.file == nil {
				t.Fatalf("the TUI did not unlock:\n%s", d.screen())
			}
			if shareErr == nil || !strings.Contains(shareErr.Error(), tc.want) || !strings.Contains(shareErr.Error(), dir) {
				t.Fatalf("share: %v, want a refusal naming %s and %q", shareErr, dir, tc.want)
			}
			d.send(tea.WindowSizeMsg{Width: 250, Height: 30})
			d.wantScreen("the agent was not unlocked: the agent's")
			p.Stop()
			if got := p.Received(); got != "" {
				t.Fatalf("the planted listener received:\n%s", got)
			}
		})
	}
}
