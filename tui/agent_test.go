package tui

import (
	"errors"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/vault"
)

// An agent that is unlocked for this identity opens the TUI without a
// prompt.
func TestUnlockThroughAgent(t *testing.T) {
	fx := newFixture(t, true, testAccounts())
	id, err := vault.LoadIdentity(fx.idPath, func() ([]byte, error) { return []byte(testPassphrase), nil })
	if err != nil {
		t.Fatal(err)
	}
	opts := fx.options()
	asked := 0
	opts.AgentIdentity = func() *vault.Identity { asked++; return id }
	d := newDriver(t, fx.model(opts))
	if d.m.screen != scrList || d.m.file == nil {
		t.Fatalf("not unlocked through the agent (screen %d):\n%s", d.m.screen, d.screen())
	}
	if asked != 1 {
		t.Errorf("agent asked %d times", asked)
	}
	d.send(tea.WindowSizeMsg{Width: 220, Height: 30})
	d.wantScreen("through the unlock agent")
}

// A locked (or absent) agent: the passphrase prompt as usual; tab chooses
// to unlock the agent too, which gets exactly the unlocked identity.
func TestUnlockSharesWithAgent(t *testing.T) {
	fx := newFixture(t, true, testAccounts())
	opts := fx.options()
	opts.AgentIdentity = func() *vault.Identity { return nil }
	var got *vault.Identity
	opts.ShareWithAgent = func(id *vault.Identity) error { got = id; return nil }
	d := newDriver(t, fx.model(opts))
	if d.m.screen != scrUnlock {
		t.Fatalf("screen %d, want the prompt", d.m.screen)
	}
	d.wantScreen("[ ] also unlock the agent")
	d.keys("tab")
	d.wantScreen("[x] also unlock the agent")
	d.typeText(testPassphrase)
	d.keys("enter")
	if d.m.file == nil || got == nil || got != d.m.id {
		t.Fatalf("agent got %v, TUI holds %v", got, d.m.id)
	}
	d.send(tea.WindowSizeMsg{Width: 220, Height: 30})
	d.wantScreen("the agent is unlocked too")

	// Without tab the agent is left alone; a failure to share is shown
	// but the TUI is unlocked anyway.
	fx2 := newFixture(t, true, testAccounts())
	opts2 := fx2.options()
	calls := 0
	opts2.ShareWithAgent = func(*vault.Identity) error { calls++; return errors.New("no agent socket") }
	d2 := newDriver(t, fx2.model(opts2))
	d2.typeText(testPassphrase)
	d2.keys("enter")
	if calls != 0 || d2.m.file == nil {
		t.Fatalf("shared without being asked (%d calls)", calls)
	}
	d3 := newDriver(t, fx2.model(opts2))
	d3.keys("tab")
	d3.typeText(testPassphrase)
	d3.keys("enter")
	if calls != 1 || d3.m.file == nil {
		t.Fatalf("calls %d, unlocked %v", calls, d3.m.file != nil)
	}
	d3.send(tea.WindowSizeMsg{Width: 220, Height: 30})
	d3.wantScreen("the agent was not unlocked: no agent socket")
}
