package tui

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// rotFixture is one account on an in-process server whose password the
// test changes, as the person would at the provider.
func rotFixture(t *testing.T) (*fixture, *driver, *testimap.Server) {
	t.Helper()
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"u": sentinel}})
	a := &vault.Account{ID: "r1", Name: "rot-me", Host: "127.0.0.1", Port: srv.Port(), Security: vault.TLS,
		Username: "u", Password: sentinel, Created: t0, Changed: t0.Add(-500 * 24 * time.Hour), Modified: t0}
	fx := newFixture(t, false, []*vault.Account{a})
	opts := fx.options()
	opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	d := newDriver(t, fx.model(opts))
	return fx, d, srv
}

func TestRotateWizardCommits(t *testing.T) {
	fx, d, srv := rotFixture(t)
	d.keys("r")
	d.wantScreen("Rotate the password of rot-me", "enter start")
	d.keys("enter")
	if d.m.rot.step != rotApply || d.m.rot.newPw == "" {
		t.Fatalf("not at the apply step:\n%s", d.screen())
	}
	newPw := d.m.rot.newPw
	if p := fx.reopen(t).Find("rot-me").Pending; p == nil || p.Password != newPw {
		t.Fatal("the new password was not saved as pending before it was shown")
	}
	d.notOnScreen(newPw, sentinel)
	d.keys("p")
	d.wantScreen(newPw)
	d.tick(10*time.Second, fx.clk)
	d.notOnScreen(newPw)
	d.keys("y")
	if fx.clip.get() != newPw {
		t.Fatal("y did not copy the new password")
	}
	srv.SetPassword("u", newPw) // the person sets it at the provider
	d.keys("enter")
	if d.m.rot.step != rotDone {
		t.Fatalf("not done:\n%s", d.screen())
	}
	d.wantScreen("now current", "Done.", "Set by hand; verified in ", "(1 login)")
	a := fx.reopen(t).Find("rot-me")
	if a.Password != newPw || a.Pending != nil || len(a.History) != 1 || a.History[0].Password != sentinel {
		t.Fatalf("after commit: pending %v, history %d", a.Pending, len(a.History))
	}
	d.keys("enter")
	if d.m.screen != scrList {
		t.Fatal("enter did not leave the wizard")
	}
}

func TestRotateVerifyFailsKeepsOld(t *testing.T) {
	fx, d, _ := rotFixture(t)
	d.m.rotVerifyTimeout = 300 * time.Millisecond
	d.keys("r", "enter")
	d.keys("enter") // claims it was set; the server never got it
	if d.m.rot.step != rotFailed {
		t.Fatalf("verify did not fail:\n%s", d.screen())
	}
	d.wantScreen("old password stays current")
	a := fx.reopen(t).Find("rot-me")
	if a.Password != sentinel || a.Pending == nil {
		t.Fatal("a failed verify changed the current password or dropped the pending one")
	}
	d.keys("x") // abort: the unverified password is kept in history
	a = fx.reopen(t).Find("rot-me")
	if a.Password != sentinel || a.Pending != nil || len(a.History) != 1 || a.History[0].Reason != "aborted rotation" {
		t.Fatalf("abort: pending %v history %+v", a.Pending, len(a.History))
	}
	d.notOnScreen(sentinel)
}

// TestRotateResumesPending: a rotation left pending (say, by a crash after
// the person set the password) is verified and committed from the wizard.
func TestRotateResumesPending(t *testing.T) {
	for _, state := range []vault.PendingState{vault.PendingSaved, vault.PendingApplied} {
		t.Run(string(state), func(t *testing.T) {
			srv := testimap.Start(t, testimap.Options{Users: map[string]string{"u": "New-pw-from-before-9!"}})
			a := &vault.Account{ID: "r1", Name: "rot-me", Host: "127.0.0.1", Port: srv.Port(), Security: vault.TLS,
				Username: "u", Password: sentinel, Created: t0, Changed: t0, Modified: t0,
				Pending: &vault.Pending{Password: "New-pw-from-before-9!", State: state, Started: t0, Updated: t0}}
			fx := newFixture(t, false, []*vault.Account{a})
			opts := fx.options()
			opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
			d := newDriver(t, fx.model(opts))
			d.wantScreen("1 rotation pending", "↻pending")
			d.keys("r")
			d.wantScreen("A rotation is pending")
			d.keys("enter")
			if state == vault.PendingSaved {
				d.wantScreen("Set this new password") // it may not be at the provider yet
				d.keys("enter")
			}
			if d.m.rot.step != rotDone {
				t.Fatalf("not committed:\n%s", d.screen())
			}
			got := fx.reopen(t).Find("rot-me")
			if got.Password != "New-pw-from-before-9!" || got.Pending != nil || got.History[0].Password != sentinel {
				t.Fatal("resume did not commit the pending password, keeping the old in history")
			}
			d.keys("enter")
			d.notOnScreen("rotation pending", "↻pending")
		})
	}
}
