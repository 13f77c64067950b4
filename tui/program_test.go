package tui

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// These tests run the real bubbletea program (teatest) and type at it.

func waitFor(t *testing.T, tm *teatest.TestModel, out *bytes.Buffer, sub string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		out.Write(b)
		return strings.Contains(out.String(), sub)
	}, teatest.WithDuration(testwait.Patience), teatest.WithCheckInterval(5*time.Millisecond))
}

func enter() tea.KeyPressMsg { return tea.KeyPressMsg{Code: tea.KeyEnter} }

func TestProgramUnlockFilterQuit(t *testing.T) {
	tests := []struct {
		name     string
		attempts []string
	}{
		{"right passphrase", []string{testPassphrase}},
		{"wrong then right", []string{"not it", testPassphrase}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, true, testAccounts())
			tm := teatest.NewTestModel(t, fx.model(fx.options()), teatest.WithInitialTermSize(100, 30))
			var out bytes.Buffer
			waitFor(t, tm, &out, "passphrase:")
			for i, p := range tt.attempts {
				tm.Type(p)
				tm.Send(enter())
				if i < len(tt.attempts)-1 {
					waitFor(t, tm, &out, "wrong passphrase")
				}
			}
			waitFor(t, tm, &out, "bob-home")
			tm.Type("/erin")
			tm.Send(enter())
			waitFor(t, tm, &out, "(1 of 5)")
			tm.Type("?")
			waitFor(t, tm, &out, "Good to know")
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
			tm.Type("q")
			tm.WaitFinished(t, teatest.WithFinalTimeout(testwait.Patience))
			rest, _ := io.ReadAll(tm.FinalOutput(t))
			out.Write(rest)
			fm := tm.FinalModel(t).(Model)
			if fm.list.query != "erin" || len(fm.list.view) != 1 {
				t.Fatalf("filter not applied: %q %d", fm.list.query, len(fm.list.view))
			}
			for _, secret := range append(tt.attempts, sentinel) {
				if strings.Contains(out.String(), secret) {
					t.Fatalf("terminal output holds a secret (%d bytes of output)", out.Len())
				}
			}
		})
	}
}

// TestProgramCtrlCQuitsFromAnyScreen: ctrl+c leaves the real program from
// every screen, mid-form and mid-filter included. The final model says
// which screen it left from, so a key that failed to get there fails too.
func TestProgramCtrlCQuitsFromAnyScreen(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	for _, tt := range []struct {
		name string
		keys string
		want screen
	}{
		{"list", "", scrList},
		{"filtering", "/al", scrList},
		{"detail", "\r", scrDetail},
		{"form", "ae", scrForm},
		{"audit", "A", scrAudit},
		{"help", "?", scrHelp},
		{"confirm delete", "d", scrConfirm},
		{"rotate", "r", scrRotate},
		{"overview", "o", scrOverview},
		{"locked", "L", scrUnlock},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tm := teatest.NewTestModel(t, fx.model(fx.options()), teatest.WithInitialTermSize(80, 24))
			var out bytes.Buffer
			waitFor(t, tm, &out, "alice-work")
			for _, r := range tt.keys {
				if r == '\r' {
					tm.Send(enter())
					continue
				}
				tm.Send(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
			tm.WaitFinished(t, teatest.WithFinalTimeout(testwait.Patience))
			fm := tm.FinalModel(t).(Model)
			if fm.screen != tt.want {
				t.Fatalf("quit from screen %d, want %d", fm.screen, tt.want)
			}
			if tt.name == "filtering" && !fm.list.filtering {
				t.Fatal("quit after the filter closed, not while typing in it")
			}
		})
	}
}

// TestProgramCheckAllWhileTyping runs a real check-all in the real program
// against slow servers and types while it runs: a filter and an edit (which
// saves while results stream in). Under -race this also shows that
// commands never share what Update changes.
func TestProgramCheckAllWhileTyping(t *testing.T) {
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"u": "right"}, Delay: 60 * time.Millisecond})
	var accs []*vault.Account
	for i := range 12 {
		accs = append(accs, &vault.Account{ID: fmt.Sprint("id", i), Name: fmt.Sprintf("box-%02d", i), Host: "127.0.0.1",
			Port: srv.Port(), Security: vault.TLS, Username: "u", Password: "right", Created: t0, Changed: t0, Modified: t0})
	}
	fx := newFixture(t, false, accs)
	opts := fx.options()
	opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	opts.Concurrency, opts.PerHost = 2, 2
	opts.Timeout = testwait.Patience // every check must end ok
	tm := teatest.NewTestModel(t, fx.model(opts), teatest.WithInitialTermSize(100, 30))
	var out bytes.Buffer
	waitFor(t, tm, &out, "Overview") // twelve accounts open on the overview
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	waitFor(t, tm, &out, "box-11")
	tm.Type("C")
	waitFor(t, tm, &out, "checking")
	tm.Type("/box-0")
	tm.Send(enter())
	tm.Type("e")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
	tm.Send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	tm.Type("localhost")
	tm.Send(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	waitFor(t, tm, &out, "checked 12 accounts: 12 ok, 0 failed")
	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(testwait.Patience))
	fm := tm.FinalModel(t).(Model)
	if fm.list.query != "box-0" {
		t.Errorf("filter typed during the run is %q", fm.list.query)
	}
	v := fx.reopen(t)
	edited := 0
	for _, a := range v.Accounts {
		if a.LastCheck == nil || a.LastCheck.Status != "ok" {
			t.Errorf("%s: last check %+v", a.Name, a.LastCheck)
		}
		if a.Host == "localhost" {
			edited++
		}
	}
	if edited != 1 {
		t.Errorf("%d accounts carry the edit made during the run, want 1", edited)
	}
}
