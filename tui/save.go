package tui

import (
	"errors"
	"fmt"
	"slices"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/vault"
)

// saveState serialises saves: one in flight at a time, and edits made
// meanwhile are saved right after it. Accounts are copy-on-write (see
// editAccount), so a save can encrypt a snapshot in a command while Update
// goes on changing the live vault.
type saveState struct {
	inFlight bool
	again    bool // something changed while a save was in flight
	failed   bool // the last save failed; the edit lives on in memory
}

type savedMsg struct {
	session   int
	file      *vault.File  // the copy that was written, carrying the new on-disk stamp
	snap      *vault.Vault // what we asked to save; file.Vault differs when it merged
	conflicts []vault.Conflict
	err       error
}

// requestSave saves the vault now, or right after the save in flight.
func (m *Model) requestSave() tea.Cmd {
	if m.file == nil {
		return nil
	}
	if m.save.inFlight {
		m.save.again = true
		return nil
	}
	m.save.inFlight, m.save.again = true, false
	fc := *m.file // File is plain data plus pointers; the copy writes the snapshot
	snap := m.snapshot()
	fc.Vault = snap
	session := m.session
	// SaveMerged: when a sync tool or another imapvault changed the file,
	// both sides' edits are kept (conflicts keep ours and are reported).
	return func() tea.Msg {
		cs, err := fc.SaveMerged()
		return savedMsg{session: session, file: &fc, snap: snap, conflicts: cs, err: err}
	}
}

func (m Model) onSaved(msg savedMsg) (tea.Model, tea.Cmd) {
	nm, cmd := m.adoptSave(msg)
	if m2 := nm.(Model); m2.quitting && !m2.save.inFlight {
		m2.quitting = false
		return m2.quit()
	}
	return nm, cmd
}

func (m Model) adoptSave(msg savedMsg) (tea.Model, tea.Cmd) {
	if msg.session != m.session {
		return m, nil // from before a lock; it wrote its own copy
	}
	m.save.inFlight = false
	if m.file == nil {
		return m, nil // locked meanwhile
	}
	if msg.err != nil {
		m.save.failed = true
		text := "not saved: " + msg.err.Error() + " — kept in memory; ctrl+s retries"
		if errors.Is(msg.err, vault.ErrChangedOnDisk) {
			text = "not saved: vault changed on disk by another program — your change is kept in memory"
		}
		if t, ok := refusalText(msg.err, m.opts.VaultPath); ok {
			text, m.outside.noticed = t, true
		}
		m.setStatus(text, true)
		return m, nil
	}
	m.save.failed = false
	live := m.file.Vault
	m.file = msg.file
	if msg.file.Vault == msg.snap {
		m.file.Vault = live
		if m.save.again {
			return m, m.requestSave()
		}
		return m, nil
	}
	// The save merged in changes from disk. Edits made while it ran are
	// merged on top of that result and saved again.
	merged, conflicts := msg.file.Vault, msg.conflicts
	if m.save.again {
		var more []vault.Conflict
		merged, more = vault.Merge(msg.snap, live, merged)
		conflicts = append(conflicts, more...)
	}
	m.file.Vault = merged
	m.rebuildRows()
	text := "merged changes another program saved to the vault"
	if len(conflicts) > 0 {
		text = fmt.Sprintf("merged changes from disk; %s, yours kept: %s", plural(len(conflicts), "conflict", "conflicts"), conflicts[0])
	}
	m.setStatus(text, len(conflicts) > 0)
	m.announceRecipients(m.file)
	return m, tea.Batch(m.requestSave(), m.runAudit())
}

// editAccount replaces the account with id by an edited copy, never
// changing the struct a save in flight may be reading.
func (m *Model) editAccount(id string, edit func(a *vault.Account)) *vault.Account {
	i := m.accountIndex(id)
	if i < 0 {
		return nil
	}
	c := cloneAccount(m.file.Vault.Accounts[i])
	edit(c)
	m.file.Vault.Accounts[i] = c
	return c
}

// snapshot is a copy of the vault that later edits do not touch, for
// commands (save, audit) that read it while Update goes on.
func (m Model) snapshot() *vault.Vault {
	snap := *m.file.Vault
	snap.Accounts = slices.Clone(snap.Accounts)
	return &snap
}

func cloneAccount(a *vault.Account) *vault.Account {
	c := *a
	c.Tags = slices.Clone(a.Tags)
	c.History = slices.Clone(a.History)
	c.Accepted = slices.Clone(a.Accepted)
	return &c
}
