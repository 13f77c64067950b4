package tui

import (
	"fmt"
	"slices"
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
	version   int             // counts the findings taken in
	findings  []audit.Finding // worst first, as audit.Run sorts them
	byAccount map[string][]audit.Finding
	sevCount  map[audit.Severity]int
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
	// Worked out in the command too, so that taking in the findings of
	// 100,000 accounts costs the UI goroutine no more than a look.
	byAccount map[string][]audit.Finding
	sevCount  map[audit.Severity]int
	rows      rowSet
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
	gen, snap, now, sortBy := m.audit.gen, m.snapshot(), m.now(), m.list.sortBy
	return func() tea.Msg {
		// The snapshot shares its accounts with the model (edits replace
		// an account, never change one in place); Score writes each
		// account's Strength, so it gets copies of its own. The rows are
		// made from the model's own accounts, which only get read here.
		model := slices.Clone(snap.Accounts)
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
		if err == nil {
			msg.byAccount = make(map[string][]audit.Finding)
			msg.sevCount = make(map[audit.Severity]int)
			for _, f := range fs {
				msg.byAccount[f.AccountID] = append(msg.byAccount[f.AccountID], f)
				msg.sevCount[f.Severity]++
			}
			msg.rows = buildRows(model, msg.byAccount, sortBy, nil)
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
	var replaced map[*vault.Account]*vault.Account
	if msg.scored != nil {
		// A score that no longer fits (the password changed meanwhile)
		// is recomputed next time; the fingerprint says so.
		before := slices.Clone(m.file.Vault.Accounts)
		audit.CopyScores(m.file.Vault, msg.scored)
		replaced = make(map[*vault.Account]*vault.Account)
		for i, a := range m.file.Vault.Accounts {
			if a != before[i] {
				replaced[before[i]] = a
			}
		}
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
	m.audit.findings, m.audit.byAccount, m.audit.sevCount = msg.findings, msg.byAccount, msg.sevCount
	m.audit.version++
	m.audit.cursor = min(m.audit.cursor, max(0, len(msg.findings)-1))
	if !m.check.running() {
		m.adoptRows(msg.rows, replaced) // ranks and badges changed; rows stay put during checks
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
// cursor moves over findings only. Only the lines on screen are made: a
// frame over 100,000 findings formats the few dozen it shows.
func (m Model) viewAudit() string {
	s, a := m.styles, m.audit
	var head []string
	head = append(head, s.Title.Render("Audit — "+plural(len(a.findings), "finding", "findings")))
	if a.err != "" {
		head = append(head, s.Error.Render(a.err))
	}
	if len(a.findings) == 0 && a.err == "" {
		head = append(head, "", "Nothing to do: no stale, reused, weak, failing or exposed passwords.")
	}
	// Where the cursor's line is: each change of severity adds a blank
	// line and a heading above the findings.
	cursorLine, sev := 0, audit.Severity("")
	if len(a.findings) > 0 {
		cursorLine = len(head)
	}
	for i, f := range a.findings {
		if f.Severity != sev {
			sev = f.Severity
			cursorLine += 2
		}
		if i == a.cursor {
			break
		}
		cursorLine++
	}
	// Keep the cursor's line on screen.
	room := max(1, m.height-3)
	start := 0
	if cursorLine >= room {
		start = cursorLine - room + 1
	}
	var lines []string
	at := 0 // the line number of what comes next
	add := func(l func() string) {
		if at >= start && at < start+room {
			lines = append(lines, l())
		}
		at++
	}
	for _, l := range head {
		add(func() string { return l })
	}
	sev = ""
	for i, f := range a.findings {
		if at >= start+room {
			break
		}
		if f.Severity != sev {
			sev = f.Severity
			add(func() string { return "" })
			add(func() string {
				return m.sevStyle(sev).Render(strings.ToUpper(string(sev)) + fmt.Sprintf(" (%d)", a.sevCount[sev]))
			})
		}
		add(func() string {
			text := fmt.Sprintf("%-20s %-12s %s", safe(f.Account), safe(string(f.Kind)), safe(f.Message))
			if i == a.cursor {
				return s.Selected.Render(fit("▸ "+text, m.width))
			}
			return "  " + text
		})
	}
	return strings.Join(lines, "\n")
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
