package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func (m Model) helpKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Back), key.Matches(msg, m.keys.Help):
		m.screen = m.back
		if m.screen == scrHelp || m.screen == scrStart {
			m.screen = scrList
		}
	}
	return m, nil
}

// viewHelp is every key, grouped, plus what the timers do.
func (m Model) viewHelp() string {
	s := m.styles
	h := m.help
	h.ShowAll = true
	notes := []string{
		"Passwords never show unless revealed with p; a reveal hides itself after 10 s.",
		"y copies to the system clipboard (wl-copy, xclip, xsel, pbcopy) when one is reachable, else through the terminal by OSC 52; cleared after 30 s if still ours.",
		"An OSC 52 copy inside tmux stays in tmux's paste buffers after the clear: tmux delete-buffer (or choose-buffer, then d) removes it.",
		fmt.Sprintf("The vault locks itself after %d idle minutes; L locks now.", int(m.autoLock().Minutes())),
		"Every edit is saved at once; on a save error the change stays in memory.",
		"When another program (sync, git, a teammate) changes the vault file, R merges it in; your edits are kept.",
		"Rows marked ↻ have a rotation pending; the old password stays current.",
	}
	lines := []string{s.Title.Render("Keys"), "", h.FullHelpView(m.keys.FullHelp()), "", s.Title.Render("Good to know")}
	for _, n := range notes {
		lines = append(lines, "• "+strings.ReplaceAll(ansi.Wordwrap(n, max(20, m.width-5), ""), "\n", "\n  "))
	}
	text := strings.Join(lines, "\n")
	return " " + strings.ReplaceAll(text, "\n", "\n ")
}
