package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/vault"
)

// diskEvery is how often the TUI looks whether another program (a sync
// tool, git, another imapvault) replaced the vault file.
const diskEvery = 2 * time.Second

// outsideState notices outside changes to the vault file and offers to
// take them in.
type outsideState struct {
	lastLook time.Time
	looking  bool
	noticed  bool // the file differs from what we hold; R reloads

	announced map[string]bool // new recipients already on the status line (trust.go)
}

type diskLookMsg struct {
	session int
	changed bool
}

type reloadedMsg struct {
	session   int
	file      *vault.File
	snap      *vault.Vault
	conflicts []vault.Conflict
	err       error
}

// lookAtDisk compares the file on disk with what was last read or written:
// a stat, and a hash only when the stat differs.
func (m *Model) lookAtDisk(now time.Time) tea.Cmd {
	if m.file == nil || m.save.inFlight || m.outside.looking || m.outside.noticed || now.Sub(m.outside.lastLook) < diskEvery {
		return nil
	}
	m.outside.lastLook, m.outside.looking = now, true
	fc, session := *m.file, m.session
	return func() tea.Msg {
		changed, err := fc.ChangedOnDisk()
		return diskLookMsg{session: session, changed: changed && err == nil}
	}
}

func (m Model) onDiskLook(msg diskLookMsg) (tea.Model, tea.Cmd) {
	if msg.session != m.session {
		return m, nil
	}
	m.outside.looking = false
	if msg.changed && !m.outside.noticed {
		m.outside.noticed = true
		m.setStatus("another program changed the vault on disk — R reloads it (your edits are kept)", true)
	}
	return m, nil
}

// reload merges what is on disk into the open vault, keeping our edits;
// conflicts keep ours and are reported, as a merging save does.
func (m Model) reload() (tea.Model, tea.Cmd) {
	if m.file == nil || m.save.inFlight {
		return m, nil
	}
	m.save.inFlight = true // reloads and saves take turns
	fc := *m.file
	snap := m.snapshot()
	fc.Vault = snap
	session := m.session
	return m, func() tea.Msg {
		cs, err := fc.Reload()
		return reloadedMsg{session: session, file: &fc, snap: snap, conflicts: cs, err: err}
	}
}

func (m Model) onReloaded(msg reloadedMsg) (tea.Model, tea.Cmd) {
	if msg.session != m.session {
		return m, nil
	}
	m.outside.noticed = false
	if msg.err != nil {
		m.save.inFlight = false
		if text, ok := refusalText(msg.err, m.opts.VaultPath); ok {
			m.outside.noticed = true // the watcher would only repeat itself; R tries again
			m.setStatus(text, true)
			return m, nil
		}
		m.setStatus("reload failed: "+msg.err.Error()+" — the vault in memory is unchanged", true)
		return m, nil
	}
	return m.adoptSave(savedMsg{session: msg.session, file: msg.file, snap: msg.snap, conflicts: msg.conflicts})
}
