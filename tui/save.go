package tui

import (
	"errors"
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
	file *vault.File // the copy that was written, carrying the new on-disk stamp
	err  error
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
	fc.Vault = m.snapshot()
	return func() tea.Msg { return savedMsg{file: &fc, err: fc.Save()} }
}

func (m Model) onSaved(msg savedMsg) (tea.Model, tea.Cmd) {
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
		m.setStatus(text, true)
		return m, nil
	}
	m.save.failed = false
	live := m.file.Vault
	m.file = msg.file
	m.file.Vault = live
	if m.save.again {
		return m, m.requestSave()
	}
	return m, nil
}

// editAccount replaces the account with id by an edited copy, never
// changing the struct a save in flight may be reading.
func (m *Model) editAccount(id string, edit func(a *vault.Account)) *vault.Account {
	for i, a := range m.file.Vault.Accounts {
		if a.ID == id {
			c := cloneAccount(a)
			edit(c)
			m.file.Vault.Accounts[i] = c
			return c
		}
	}
	return nil
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
