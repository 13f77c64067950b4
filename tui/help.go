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
		m.helpOff = 0
		if m.screen == scrHelp || m.screen == scrStart {
			m.screen = scrList
		}
	case key.Matches(msg, m.keys.Down):
		m.helpOff++
	case key.Matches(msg, m.keys.Up):
		m.helpOff--
	}
	m.helpOff = max(0, min(m.helpOff, m.helpLines()-m.helpRoom()))
	return m, nil
}

// helpRoom is how many lines of help fit between the title and the bars.
func (m Model) helpRoom() int { return max(1, m.height-3) }

func (m Model) helpLines() int { return strings.Count(m.helpText(), "\n") + 1 }

// helpBar says how to scroll when the help does not fit.
func (m Model) helpBar() []key.Binding {
	if m.helpLines() > m.helpRoom() {
		return []key.Binding{withHelp(m.keys.Down, "more"), m.keys.Up, m.keys.Back, m.keys.Quit}
	}
	return []key.Binding{m.keys.Back, m.keys.Quit}
}

// viewHelp is the help, scrolled.
func (m Model) viewHelp() string {
	lines := strings.Split(m.helpText(), "\n")
	off := max(0, min(m.helpOff, len(lines)-1))
	return strings.Join(lines[off:], "\n")
}

// helpText is every key, grouped, plus what the timers do.
func (m Model) helpText() string {
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
		"o is the overview: accounts counted by check status, finding, password age and certificate expiry; enter on a number lists those accounts.",
	}
	lines := []string{s.Title.Render("Keys"), "", h.FullHelpView(m.keys.FullHelp()), "", s.Title.Render("Good to know")}
	for _, n := range notes {
		lines = append(lines, "• "+strings.ReplaceAll(ansi.Wordwrap(n, max(20, m.width-5), ""), "\n", "\n  "))
	}
	text := strings.Join(lines, "\n")
	return " " + strings.ReplaceAll(text, "\n", "\n ")
}
