package tui

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// clipboardSets are the OSC 52 writes the program asked the terminal for.
func (d *driver) clipboardSets() []string {
	want := reflect.TypeOf(tea.SetClipboard("")())
	var out []string
	for _, m := range d.out {
		if reflect.TypeOf(m) == want {
			out = append(out, reflect.ValueOf(m).String())
		}
	}
	return out
}

// TestCopyClearsAfterTimeout: with a system clipboard the password goes
// there only — never by OSC 52, which tmux would keep in its paste buffers —
// and is cleared after 30 s unless the user copied something else since.
func TestCopyClearsAfterTimeout(t *testing.T) {
	tests := []struct {
		name      string
		overwrite string // what the user copies meanwhile; "" for nothing
		wantAfter string
	}{
		{"still ours: cleared", "", ""},
		{"user copied something else: left alone", "their text", "their text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, false, testAccounts())
			d := unlocked(t, fx)
			d.selectName("alice-work")
			d.keys("y")
			if fx.clip.get() != sentinel {
				t.Fatal("system clipboard not set")
			}
			d.wantScreen("clipboard clears in 30s", "(fake)")
			d.notOnScreen(sentinel, "OSC 52")
			d.tick(12*time.Second, fx.clk)
			d.wantScreen("clipboard clears in 18s")
			if tt.overwrite != "" {
				fx.clip.Write(tt.overwrite)
			}
			d.tick(18*time.Second, fx.clk)
			if got := fx.clip.get(); got != tt.wantAfter {
				t.Fatalf("clipboard after 30s holds %q, want %q", got, tt.wantAfter)
			}
			if sets := d.clipboardSets(); len(sets) != 0 {
				t.Fatalf("OSC 52 used although a system clipboard is reachable: %d writes", len(sets))
			}
			d.notOnScreen("clipboard clears")
		})
	}
}

// TestCopyWithoutSystemClipboardUsesOSC52 copies through the terminal, says
// that tmux keeps such copies, and clears with a non-empty overwrite (tmux
// ignores an empty OSC 52 write).
func TestCopyWithoutSystemClipboardUsesOSC52(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.m.clipboard = nil
	d.selectName("alice-work")
	d.send(tea.WindowSizeMsg{Width: 200, Height: 24})
	d.keys("y")
	if sets := d.clipboardSets(); len(sets) != 1 || sets[0] != sentinel {
		t.Fatalf("OSC 52 writes %d, want the password once", len(sets))
	}
	d.wantScreen("OSC 52", "tmux")
	d.out = nil
	d.tick(31*time.Second, fx.clk)
	if sets := d.clipboardSets(); len(sets) != 1 || sets[0] != osc52Overwrite || sets[0] == "" {
		t.Fatalf("OSC 52 not overwritten: %q", sets)
	}
}

func TestQuitClearsClipboard(t *testing.T) {
	for _, system := range []bool{true, false} {
		t.Run(fmt.Sprint("system clipboard ", system), func(t *testing.T) {
			fx := newFixture(t, false, testAccounts())
			d := unlocked(t, fx)
			if !system {
				d.m.clipboard = nil
			}
			d.keys("y")
			d.out = nil
			d.keys("q")
			if fx.clip.get() != "" {
				t.Fatal("quitting left the password on the clipboard")
			}
			if sets := d.clipboardSets(); !system && (len(sets) != 1 || sets[0] != osc52Overwrite) {
				t.Fatalf("quitting did not overwrite the OSC 52 copy: %q", sets)
			}
			if !d.sawQuit() {
				t.Fatal("q did not quit")
			}
		})
	}
}

func TestRevealHidesAfterTimeout(t *testing.T) {
	for _, where := range []string{"list", "detail"} {
		t.Run(where, func(t *testing.T) {
			fx := newFixture(t, false, testAccounts())
			d := unlocked(t, fx)
			d.selectName("alice-work")
			if where == "detail" {
				d.keys("enter")
			}
			d.notOnScreen(sentinel)
			d.keys("p")
			d.wantScreen(sentinel, "hides in 10s")
			d.tick(9*time.Second, fx.clk)
			d.wantScreen(sentinel, "hides in 1s")
			d.tick(1*time.Second, fx.clk)
			d.notOnScreen(sentinel)
			d.keys("p", "p") // p toggles: shown, then hidden at once
			d.notOnScreen(sentinel)
		})
	}
}

// TestSentinelNeverOnScreen walks every screen with the sentinel account
// selected and looks for its password in each frame.
func TestSentinelNeverOnScreen(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.selectName("alice-work")
	steps := [][]string{
		{"enter"}, {"esc"}, {"e"}, {"tab", "tab", "tab", "tab", "tab"}, {"esc", "esc"},
		{"A"}, {"esc"}, {"?"}, {"esc"}, {"d"}, {"n"}, {"/", "'alice"}, {"esc"}, {"y"}, {"r"},
	}
	for _, s := range steps {
		d.keys(s...)
		for _, sz := range [][2]int{{80, 24}, {120, 40}, {40, 10}} {
			d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			if strings.Contains(d.screen(), sentinel) {
				t.Fatalf("after %v at %v the password is on screen:\n%s", s, sz, d.screen())
			}
		}
	}
	if strings.Contains(d.m.status.text, sentinel) {
		t.Fatal("password in the status line")
	}
}

func TestQuitWaitsForSaves(t *testing.T) {
	t.Run("save in flight: quit after it lands", func(t *testing.T) {
		fx := newFixture(t, false, testAccounts())
		d := unlocked(t, fx)
		d.selectName("carol")
		// Submit an edit but hold its save command back.
		d.keys("e", "tab", "ctrl+u", "'later.example.net")
		nm, saveCmd := d.m.submitForm()
		d.m = nm.(Model)
		if !d.m.save.inFlight {
			t.Fatal("no save in flight")
		}
		d.out = nil
		d.keys("q")
		if d.sawQuit() {
			t.Fatal("quit while a save was in flight")
		}
		d.run(saveCmd)
		if !d.sawQuit() {
			t.Fatal("did not quit once the save landed")
		}
		if h := fx.reopen(t).Find("carol").Host; h != "later.example.net" {
			t.Fatalf("host on disk %q", h)
		}
	})
	t.Run("failed save: quit asks twice", func(t *testing.T) {
		fx := newFixture(t, false, testAccounts())
		d := unlocked(t, fx)
		if err := os.WriteFile(fx.vaultPath, []byte("not a vault"), 0o600); err != nil {
			t.Fatal(err)
		}
		d.keys("e", "tab", "'x", "ctrl+s")
		d.out = nil
		d.keys("q")
		if d.sawQuit() {
			t.Fatal("quit dropped an unsaved edit without asking")
		}
		d.wantScreen("unsaved changes", "q again quits without saving")
		d.keys("q")
		if !d.sawQuit() {
			t.Fatal("second q did not quit")
		}
	})
}
