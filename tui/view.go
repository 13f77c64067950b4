package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

// statusLine is the one line under every screen for what just happened:
// errors stay until the next action; notes fade after a few seconds.
// statusFade is how long a note (not an error) stays in the status line.
const statusFade = 8 * time.Second

type statusLine struct {
	text string
	err  bool
	at   time.Time
}

func (m *Model) setStatus(text string, isErr bool) {
	// Status texts quote names and errors: one line, escaped.
	m.status = statusLine{text: safe(text), err: isErr, at: m.now()}
}

// View draws the shown screen inside the shared frame: a title line,
// banners, the body, the status line and the short help bar.
func (m Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = m.title()
	return v
}

func (m Model) title() string {
	if m.opts.Title != "" {
		return m.opts.Title
	}
	return "imapvault"
}

func (m Model) render() string {
	if m.ask != nil {
		return m.frame("", m.viewPluginAsk(), "")
	}
	switch m.screen {
	case scrStart:
		return m.frame("", m.styles.Subtle.Render("  opening "+safe(m.opts.VaultPath)+"…"), "")
	case scrFatal:
		w := max(20, m.width-4)
		body := m.styles.Error.Render("imapvault: error: ") + ansi.Wordwrap(safe(m.fatal.Error()), w-18, "")
		if m.fatalHint != "" {
			body += "\n" + m.styles.Subtle.Render("imapvault: hint: ") + ansi.Wordwrap(safe(m.fatalHint), w-17, "")
		}
		body += "\n\n" + m.styles.Subtle.Render("press any key to quit")
		return m.frame("", lipgloss.NewStyle().Padding(1, 2).Render(body), "")
	case scrUnlock:
		return m.frame("", m.viewUnlock(), "")
	case scrFirstRun:
		return m.frame("", m.viewFirstRun(), "")
	case scrList:
		return m.frame(m.banners(), m.viewList(), m.listHelpBar())
	case scrDetail:
		return m.frame(m.banners(), m.viewDetail(), m.detailHelpBar())
	case scrForm:
		return m.frame("", m.viewForm(), m.fitHelp(m.formHelp(), m.keys.PrevField))
	case scrAudit:
		return m.frame("", m.viewAudit(), m.help.ShortHelpView(m.auditHelp()))
	case scrHelp:
		return m.frame("", m.viewHelp(), m.help.ShortHelpView(m.helpBar()))
	case scrConfirm:
		return m.frame("", m.viewConfirm(), "")
	case scrRotate:
		return m.frame("", m.viewRotate(), "")
	case scrOverview:
		return m.frame(m.banners(), m.viewOverview(), m.help.ShortHelpView(m.overviewHelp()))
	}
	return ""
}

// frame stacks the shared parts around body and fits the result to the
// terminal: every line cut to the width, the body cut or padded to the
// height left over.
func (m Model) frame(banner, body, helpBar string) string {
	s := m.styles
	head := s.Title.Render(m.title())
	if m.unlocked() {
		info := fmt.Sprintf(" · %s · %s", safe(m.opts.VaultPath), plural(len(m.file.Vault.Accounts), "account", "accounts"))
		if m.screen == scrList {
			info += " · sort: " + m.list.sortBy.String()
		}
		head += s.Subtle.Render(info)
	}
	top := []string{head}
	if banner != "" {
		top = append(top, strings.Split(banner, "\n")...)
	}
	if m.screen == scrList && m.list.only != nil {
		top = append(top, s.Subtle.Render(fmt.Sprintf("showing %s (%d of %d) — esc shows all, o the overview", m.list.onlyLabel, len(m.list.view), len(m.list.rows))))
	}
	if m.screen == scrList && (m.list.filtering || m.list.query != "") {
		if m.list.filtering {
			top = append(top, m.list.filter.View())
		} else {
			top = append(top, s.Subtle.Render(fmt.Sprintf("filter: %s (%d of %d) — / to change, esc to clear", safe(m.list.query), len(m.list.view), len(m.list.rows))))
		}
	}
	bottom := []string{m.statusText()}
	if helpBar != "" {
		bottom = append(bottom, helpBar)
	}
	room := m.height - len(top) - len(bottom)
	lines := strings.Split(body, "\n")
	if len(lines) > room {
		lines = lines[:max(0, room)]
	}
	for len(lines) < room {
		lines = append(lines, "")
	}
	all := append(append(top, lines...), bottom...)
	for i, l := range all {
		if ansi.StringWidth(l) > m.width {
			all[i] = ansi.Truncate(l, m.width, "…")
		}
	}
	return strings.Join(all, "\n")
}

// bodyHeight is the room frame leaves for the list body.
func (m Model) bodyHeight() int {
	h := m.height - 3 // title, status, help
	if m.banners() != "" {
		h -= strings.Count(m.banners(), "\n") + 1
	}
	if m.list.filtering || m.list.query != "" {
		h--
	}
	if m.screen == scrList && m.list.only != nil {
		h--
	}
	return max(1, h)
}

// banners are the lines under the title: check progress, pending
// rotations, a revealed password.
func (m Model) banners() string {
	if !m.unlocked() {
		return ""
	}
	s := m.styles
	var out []string
	if m.check.running() {
		done, total := m.check.done, len(m.check.ids)
		bar := progressBar(m.styles, done, total, 20)
		out = append(out, fmt.Sprintf("checking %d/%d %s  esc cancels", done, total, bar))
	}
	if n := m.pendingCount(); n > 0 {
		out = append(out, s.Banner.Render(fmt.Sprintf("↻ %s pending — the old password stays current until verified; press r on the account to resume", plural(n, "rotation", "rotations"))))
	}
	if m.reveal.id != "" {
		if a := m.account(m.reveal.id); a != nil {
			left := int(m.reveal.until.Sub(m.now()).Round(time.Second).Seconds())
			out = append(out, s.Warn.Render(fmt.Sprintf("password of %s", safe(a.Name)))+s.Subtle.Render(fmt.Sprintf(" (hides in %ds, p hides now):", max(0, left))))
			// Wrapped, never cut: a truncated password is a wrong one.
			out = append(out, ansi.Hardwrap(termtext.LineN(a.Password, 0), max(10, m.width), false))
		}
	}
	return strings.Join(out, "\n")
}

func (m Model) pendingCount() int { return m.ovMemo.pendingCount(m.file.Vault.Accounts) }

// statusText is the status line plus, while a copied password is on the
// clipboard, its countdown.
func (m Model) statusText() string {
	s := m.styles
	// Lasting states first, so a long message cannot push them off the line.
	var parts []string
	if m.save.failed {
		parts = append(parts, s.Error.Render("unsaved changes"))
	}
	if m.clip.active {
		left := int(m.clip.until.Sub(m.now()).Round(time.Second).Seconds())
		parts = append(parts, s.Warn.Render(fmt.Sprintf("clipboard clears in %ds", max(0, left))))
	}
	if m.status.text != "" {
		if m.status.err {
			parts = append(parts, s.Error.Render(m.status.text))
		} else {
			parts = append(parts, s.Status.Render(m.status.text))
		}
	}
	return strings.Join(parts, s.Subtle.Render(" · "))
}

func (m Model) statusStyle(c *vault.Check, checking bool) lipgloss.Style {
	switch {
	case checking:
		return m.styles.Info
	case c == nil:
		return m.styles.Subtle
	case c.Status == "ok":
		return m.styles.OK
	case statusRank(c) == 2:
		return m.styles.Warn
	}
	return m.styles.Bad
}

// progressBar is bubbles' progress bar, width cells for done out of total,
// drawn static (the check count moves it; no animation timer).
func progressBar(s Styles, done, total, width int) string {
	return bar(s.Info, s.Subtle, float64(done)/float64(max(1, total)), width)
}

// bar is a bar of width cells filled to pct, in full's and empty's colours
// (none under NO_COLOR); the two fill characters differ, so it reads
// without colour.
func bar(full, empty lipgloss.Style, pct float64, width int) string {
	p := progress.New(progress.WithWidth(width), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	p.FullColor, p.EmptyColor = full.GetForeground(), empty.GetForeground()
	return p.ViewAs(pct)
}
