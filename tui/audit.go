package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/imapvault/imapvault/audit"
)

// auditState holds the latest findings and the audit screen's cursor. The
// audit runs in a command over a snapshot after unlock, saves and checks.
type auditState struct {
	gen       int
	findings  []audit.Finding // worst first, as audit.Run sorts them
	byAccount map[string][]audit.Finding
	err       string
	cursor    int
	offset    int
}

type auditDoneMsg struct {
	gen      int
	findings []audit.Finding
	err      error
}

func (m *Model) runAudit() tea.Cmd {
	if m.file == nil {
		return nil
	}
	m.audit.gen++
	gen, snap, now := m.audit.gen, m.snapshot(), m.now()
	return func() tea.Msg {
		fs, err := audit.Run(snap, audit.Options{Now: now})
		return auditDoneMsg{gen: gen, findings: fs, err: err}
	}
}

func (m Model) onAuditDone(msg auditDoneMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.audit.gen || m.file == nil {
		return m, nil
	}
	if msg.err != nil {
		m.audit.err = safe(msg.err.Error())
		m.setStatus("audit failed: "+msg.err.Error(), true)
		return m, nil
	}
	m.audit.err = ""
	m.audit.findings = msg.findings
	m.audit.byAccount = make(map[string][]audit.Finding)
	for _, f := range msg.findings {
		m.audit.byAccount[f.AccountID] = append(m.audit.byAccount[f.AccountID], f)
	}
	m.audit.cursor = min(m.audit.cursor, max(0, len(msg.findings)-1))
	if !m.check.running() {
		m.rebuildRows() // ranks and badges changed; rows stay put during checks
	}
	return m, nil
}

func (m Model) openAudit() (tea.Model, tea.Cmd) {
	m.screen = scrAudit
	return m, nil
}

func (m Model) auditHelp() []key.Binding {
	return []key.Binding{m.keys.Up, m.keys.Down, withHelp(m.keys.Enter, "go to account"), m.keys.Back, m.keys.Quit}
}

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

func (m Model) auditKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	a, k := &m.audit, m.keys
	n := max(1, m.height-4)
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Back):
		m.screen = scrList
	case key.Matches(msg, k.Up):
		a.cursor--
	case key.Matches(msg, k.Down):
		a.cursor++
	case key.Matches(msg, k.PageUp):
		a.cursor -= n
	case key.Matches(msg, k.PageDown):
		a.cursor += n
	case key.Matches(msg, k.Enter):
		if a.cursor >= 0 && a.cursor < len(a.findings) {
			id := a.findings[a.cursor].AccountID
			m.list.selectID(id)
			m.list.scrollTo(m.visibleRows())
			return m.openDetail(id)
		}
	case key.Matches(msg, k.Help):
		m.back = m.screen
		m.screen = scrHelp
	}
	a.cursor = max(0, min(a.cursor, len(a.findings)-1))
	return m, nil
}

// viewAudit lists findings grouped under a heading per severity; the
// cursor moves over findings only.
func (m Model) viewAudit() string {
	s, a := m.styles, m.audit
	var lines []string
	cursorLine := 0
	lines = append(lines, s.Title.Render("Audit — "+plural(len(a.findings), "finding", "findings")))
	if a.err != "" {
		lines = append(lines, s.Error.Render(a.err))
	}
	if len(a.findings) == 0 && a.err == "" {
		lines = append(lines, "", "Nothing to do: no stale, reused, weak, failing or exposed passwords.")
	}
	var sev audit.Severity
	for i, f := range a.findings {
		if f.Severity != sev {
			sev = f.Severity
			lines = append(lines, "", m.sevStyle(sev).Render(strings.ToUpper(string(sev))+fmt.Sprintf(" (%d)", countSev(a.findings, sev))))
		}
		text := fmt.Sprintf("%-20s %-12s %s", safe(f.Account), safe(string(f.Kind)), safe(f.Message))
		if i == a.cursor {
			cursorLine = len(lines)
			lines = append(lines, s.Selected.Render(fit("▸ "+text, m.width)))
		} else {
			lines = append(lines, "  "+text)
		}
	}
	// Keep the cursor's line on screen.
	room := max(1, m.height-3)
	start := 0
	if cursorLine >= room {
		start = cursorLine - room + 1
	}
	return strings.Join(lines[start:], "\n")
}

func countSev(fs []audit.Finding, s audit.Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

func (m Model) sevStyle(s audit.Severity) lipgloss.Style {
	switch s {
	case audit.Critical, audit.High:
		return m.styles.Bad
	case audit.Medium:
		return m.styles.Warn
	}
	return m.styles.Info
}
