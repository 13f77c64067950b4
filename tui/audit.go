package tui

import (
	"fmt"
	"strings"
	"sync/atomic"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
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
	// scoring counts the cold path's progress (set by the audit command,
	// read by the clock tick for the status line); nil when none runs.
	scoring *scoreProgress
}

// scoreProgress is shared between the audit command's goroutine and the
// model: only atomics cross.
type scoreProgress struct{ done, total atomic.Int64 }

type auditDoneMsg struct {
	gen      int
	findings []audit.Finding
	err      error
	scored   *vault.Vault // the snapshot, when it gained strength scores to keep
}

// runAudit audits a snapshot in a command. Passwords without a stored
// strength score are scored first (zxcvbn on every core: seconds for
// thousands of human-chosen passwords), with progress on the status line
// while keys keep working; the scores then go into the vault and are saved,
// so the next unlock paints the AUDIT column at once.
func (m *Model) runAudit() tea.Cmd {
	if m.file == nil {
		return nil
	}
	m.audit.gen++
	prog := &scoreProgress{}
	m.audit.scoring = prog
	gen, snap, now := m.audit.gen, m.snapshot(), m.now()
	return func() tea.Msg {
		// The snapshot shares its accounts with the model (edits replace
		// an account, never change one in place); Score writes each
		// account's Strength, so it gets copies of its own.
		for i, a := range snap.Accounts {
			c := *a
			snap.Accounts[i] = &c
		}
		n := audit.Score(snap, func(done, total int) {
			prog.total.Store(int64(total))
			prog.done.Store(int64(done))
		})
		fs, err := audit.Run(snap, audit.Options{Now: now})
		msg := auditDoneMsg{gen: gen, findings: fs, err: err}
		if n > 0 {
			msg.scored = snap
		}
		return msg
	}
}

// scoringStatus shows the cold path's progress; the clock calls it.
func (m *Model) scoringStatus() {
	p := m.audit.scoring
	if p == nil {
		return
	}
	if total, done := p.total.Load(), p.done.Load(); total > 0 && done < total {
		m.setStatus(fmt.Sprintf("scoring password strength: %d of %d", done, total), false)
	}
}

func (m Model) onAuditDone(msg auditDoneMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.audit.gen || m.file == nil {
		return m, nil
	}
	m.audit.scoring = nil
	var save tea.Cmd
	if msg.scored != nil {
		// A score that no longer fits (the password changed meanwhile)
		// is recomputed next time; the fingerprint says so.
		audit.CopyScores(m.file.Vault, msg.scored)
		if strings.HasPrefix(m.status.text, "scoring password strength") {
			m.status = statusLine{}
		}
		save = m.requestSave()
	}
	if msg.err != nil {
		m.audit.err = safe(msg.err.Error())
		m.setStatus("audit failed: "+msg.err.Error(), true)
		return m, save
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
	return m, save
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
