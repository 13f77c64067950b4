package tui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// These tests run the real bubbletea program (teatest) and type at it.

func waitFor(t *testing.T, tm *teatest.TestModel, out *bytes.Buffer, sub string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		out.Write(b)
		return strings.Contains(out.String(), sub)
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
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
			tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
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

// TestProgramCtrlCQuitsFromAnyScreen: ctrl+c leaves even mid-form.
func TestProgramCtrlCQuitsFromAnyScreen(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	tm := teatest.NewTestModel(t, fx.model(fx.options()), teatest.WithInitialTermSize(80, 24))
	var out bytes.Buffer
	waitFor(t, tm, &out, "alice-work")
	tm.Type("a")
	waitFor(t, tm, &out, "Add account")
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
