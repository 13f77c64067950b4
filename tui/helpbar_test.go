package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// At any width down to 50, the list's and the detail's bars end with
// "? help" (and the list's with "q quit"), never cut off (#29).
func TestHelpBarKeepsHelpAndQuit(t *testing.T) {
	fx := newFixture(t, true, testAccounts())
	for _, w := range []int{50, 64, 80, 96} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			d := newDriver(t, fx.model(fx.options()))
			d.send(tea.WindowSizeMsg{Width: w, Height: 24})
			d.unlock()
			lines := strings.Split(d.screen(), "\n")
			if bar := lines[len(lines)-1]; !strings.HasSuffix(bar, "? help • q quit") || ansi.StringWidth(bar) > w {
				t.Errorf("list bar at %d: %q", w, bar)
			}
			d.selectName("carol")
			d.keys("enter")
			lines = strings.Split(d.screen(), "\n")
			if bar := lines[len(lines)-1]; !strings.HasPrefix(bar, "esc back") || !strings.HasSuffix(bar, "? help") {
				t.Errorf("detail bar at %d: %q", w, bar)
			}
		})
	}
}

func TestFitAddrKeepsThePort(t *testing.T) {
	for _, tc := range []struct {
		addr string
		w    int
		want string
	}{
		{"bob@mail.example.org:143", 24, "bob@mail.example.org:143"},
		{"bob@mail.example.org:143", 30, "bob@mail.example.org:143      "},
		{"carol@example.net@imap.example.net:993", 24, "carol@exam…ample.net:993"},
		{"dave@legacy.example.com:143", 24, "dave@legac…ample.com:143"},
		{"dave@legacy.example.com:143", 8, "dave@le…"},           // too narrow for both ends: cut at the end
		{"日本語のユーザー@imap.example.jp:993", 20, "日本語の…mple.jp:993"}, // wide runes measured in cells
	} {
		got := fitAddr(tc.addr, tc.w)
		if got != tc.want || ansi.StringWidth(got) != tc.w {
			t.Errorf("fitAddr(%q, %d) = %q (%d wide), want %q", tc.addr, tc.w, got, ansi.StringWidth(got), tc.want)
		}
	}
}
