package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/vault"
)

const pastedPw = "Pasted-Provider-Sentinel-9Kd"

// "The provider gave me a password": pasted into a masked field, saved as
// pending, verified by logging in, committed — or, when it does not log
// in, kept pending with the old password current.
func TestRotateWizardProviderPassword(t *testing.T) {
	for _, takes := range []bool{true, false} {
		t.Run(map[bool]string{true: "taken", false: "refused"}[takes], func(t *testing.T) {
			fx, d, srv := rotFixture(t)
			if !takes {
				d.m.rotVerifyTimeout = 500 * time.Millisecond // it fails whatever the wait
			}
			d.keys("r")
			d.wantScreen("g     the provider gave me a password")
			d.keys("g")
			d.wantScreen("Paste the password")
			d.send(tea.PasteMsg{Content: pastedPw + "\n"})
			d.notOnScreen(pastedPw)
			if takes {
				srv.SetPassword("u", pastedPw) // the provider made it
			}
			d.keys("enter")
			d.notOnScreen(pastedPw, sentinel)
			a := fx.reopen(t).Find("rot-me")
			if !takes {
				if d.m.rot.step != rotFailed {
					t.Fatalf("verify did not fail:\n%s", d.screen())
				}
				d.wantScreen("old password stays current")
				if a.Password != sentinel || a.Pending == nil || a.Pending.Password != pastedPw || a.Pending.State != vault.PendingApplied {
					t.Fatalf("want the old password current and the pasted one pending; pending %+v", a.Pending)
				}
				return
			}
			if d.m.rot.step != rotDone {
				t.Fatalf("not done:\n%s", d.screen())
			}
			if a.Password != pastedPw || a.Pending != nil || a.History[len(a.History)-1].Password != sentinel {
				t.Fatal("the pasted password was not committed with the old one in history")
			}
		})
	}
}

// An account whose provider makes its passwords goes straight to the
// paste field; the current password pasted again is refused.
func TestRotateWizardProviderAccount(t *testing.T) {
	fx, d, _ := rotFixture(t)
	d.m.editAccount("r1", func(a *vault.Account) { a.Policy = &vault.PasswordPolicy{Source: vault.SourceProvider} })
	d.keys("r")
	d.wantScreen("enter paste the password the provider made")
	d.keys("enter")
	d.wantScreen("Paste the password")
	d.typeText(sentinel)
	d.keys("enter")
	d.wantScreen("it is the current password")
	if a := fx.reopen(t).Find("rot-me"); a.Pending != nil {
		t.Fatal("the current password was saved as pending")
	}
	d.keys("esc")
	if d.m.rot.step != rotIntro {
		t.Fatal("esc did not go back to the start")
	}
}

// A paste holding a control character (an escape sequence, BEL, DEL, C1)
// is refused whole, naming the position: the field would drop the
// character, and a password without it is one nobody set.
func TestRotatePasteRefusesControlCharacters(t *testing.T) {
	for _, paste := range []string{"Pz4\x1b[31mred", "Pz4bell\x07", "Pz4\x7fdel", "Pz4\u009bc1"} {
		fx, d, _ := rotFixture(t)
		d.keys("r", "g")
		d.wantScreen("Paste the password")
		d.send(tea.PasteMsg{Content: paste})
		d.send(tea.WindowSizeMsg{Width: 200, Height: 30})
		d.wantScreen("paste refused: it holds a control character at character")
		d.keys("enter")
		if a := fx.reopen(t).Find("rot-me"); a.Pending != nil || a.Password != sentinel {
			t.Fatalf("paste %q: the account changed (pending %+v)", paste, a.Pending)
		}
	}
}
