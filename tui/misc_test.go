package tui

import (
	"image/color"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(38|48);`)

func TestNoColor(t *testing.T) {
	tests := []struct {
		name      string
		noColor   bool
		wantColor bool
	}{
		{"colours by default", false, true},
		{"NO_COLOR: none at all", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noColor {
				t.Setenv("NO_COLOR", "1")
			}
			fx := newFixture(t, false, testAccounts())
			d := unlocked(t, fx)
			out := d.m.View().Content
			if got := colourSGR.MatchString(out); got != tt.wantColor {
				t.Fatalf("colour sequences present: %v, want %v", got, tt.wantColor)
			}
			// The selection must still be visible without colour.
			if tt.noColor && !strings.Contains(out, "\x1b[7m") {
				t.Fatal("no reverse video for the selected row under NO_COLOR")
			}
		})
	}
}

func TestBackgroundColourChangesStyles(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	dark := d.m.View().Content
	d.send(tea.BackgroundColorMsg{Color: color.White})
	if d.m.dark {
		t.Fatal("a white background was taken for dark")
	}
	light := d.m.View().Content
	if dark == light {
		t.Fatal("the frame did not change for a light background")
	}
}

func TestAuditEnterJumpsToAccount(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("A")
	if d.m.screen != scrAudit || len(d.m.audit.findings) == 0 {
		t.Fatalf("no audit view:\n%s", d.screen())
	}
	d.wantScreen("HIGH", "MEDIUM")
	d.keys("j")
	want := d.m.audit.findings[1]
	d.keys("enter")
	if d.m.screen != scrDetail || d.m.detail.id != want.AccountID {
		t.Fatalf("enter went to %q (screen %d), want %s", d.m.detail.id, d.m.screen, want.Account)
	}
	d.keys("esc")
	if d.m.list.selectedID() != want.AccountID {
		t.Fatal("the list cursor is not on the account the audit jumped to")
	}
}

func TestDetailShowsEverythingButThePassword(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 60})
	d.selectName("bob-home")
	d.keys("enter")
	d.wantScreen("bob@mail.example.org:143", "starttls", "auth failed", "AUTHENTICATIONFAILED",
		"Authentication failed.", "History (0 retired)", "Findings", "stale")
	d.notOnScreen("pw-bob-home")
	d.selectName("alice-work")
	d.keys("esc")
	d.selectName("alice-work")
	d.keys("enter")
	d.wantScreen("retired 2026-10-26", "TLS 1.3", "CN=Example CA", "90 days left", "IDLE")
	d.notOnScreen(sentinel, "old-pw-1")
}

func TestListKeepsCursorVisibleAfterResize(t *testing.T) {
	fx := newFixture(t, false, manyAccounts(100))
	d := unlocked(t, fx)
	d.keys("G")
	d.send(tea.WindowSizeMsg{Width: 80, Height: 10})
	if !strings.Contains(d.screen(), "▸") {
		t.Fatalf("cursor row not drawn after shrinking:\n%s", d.screen())
	}
}

func TestPasteIntoFormAndFilter(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("/")
	d.send(tea.PasteMsg{Content: "erin"})
	if len(d.m.list.view) != 1 {
		t.Fatalf("pasted filter shows %d rows", len(d.m.list.view))
	}
	d.keys("esc", "a", "tab", "tab", "tab", "tab", "tab", "tab")
	d.send(tea.PasteMsg{Content: sentinel + "\n"})
	if d.m.form.inputs[fPassword].Value() != sentinel {
		t.Fatal("paste into the password field lost or kept the newline")
	}
	if d.m.form.score < 0 {
		t.Fatal("strength not updated after a paste")
	}
	d.notOnScreen(sentinel)
	// A line break inside is refused, not removed: the field keeps what
	// it had and the status line says why.
	for _, paste := range []string{"two\r\nlines", "name\tpassword\n"} {
		d.send(tea.PasteMsg{Content: paste})
		if got := d.m.form.inputs[fPassword].Value(); got != sentinel {
			t.Fatalf("pasting %q changed the field to %q", paste, got)
		}
		d.wantScreen("paste refused: it holds a line break or a tab")
	}
}

// TestStatusNotesFadeErrorsStay: a note stays statusFade and then goes; an
// error (here a real one: a save that fails) stays however long nothing
// happens, until the next action says something else.
func TestStatusNotesFadeErrorsStay(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("s")
	d.wantScreen("sorted by name")
	d.tick(statusFade-time.Second, fx.clk)
	d.wantScreen("sorted by name")
	d.tick(2*time.Second, fx.clk)
	d.notOnScreen("sorted by name")

	good, err := os.ReadFile(fx.vaultPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fx.vaultPath, []byte("not a vault"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.selectName("carol")
	d.keys("e", "tab", "'x", "ctrl+s")
	if !d.m.status.err {
		t.Fatalf("a failed save is not an error in the status line: %q", d.m.status.text)
	}
	if err := os.WriteFile(fx.vaultPath, good, 0o600); err != nil { // nothing else to notice
		t.Fatal(err)
	}
	errText := d.m.status.text
	d.tick(time.Minute, fx.clk)
	d.tick(time.Minute, fx.clk)
	if d.m.status.text != errText {
		t.Fatalf("the error faded: %q", d.m.status.text)
	}
	d.wantScreen("not saved")
	d.keys("s")
	d.wantScreen("sorted by host")
	d.notOnScreen("not saved:")
}

func TestDetailScrolls(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 14})
	d.selectName("bob-home")
	d.keys("enter")
	d.notOnScreen("Findings")
	for range 40 {
		d.keys("j")
	}
	d.wantScreen("Findings", "stale")
	d.keys("k")
	if d.m.detail.offset == 0 {
		t.Fatal("k did not scroll back one line")
	}
	for range 40 {
		d.keys("k")
	}
	d.wantScreen("bob-home", "account")
}
