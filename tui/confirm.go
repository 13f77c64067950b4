package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// confirmState asks before deleting an account: the one edit that cannot
// be taken back from inside the program (backups aside).
type confirmState struct {
	id   string
	from screen
}

func (m Model) askDelete(id string) (tea.Model, tea.Cmd) {
	m.confirm = confirmState{id: id, from: m.screen}
	m.screen = scrConfirm
	return m, nil
}

func (m Model) confirmKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	c := m.confirm
	m.confirm = confirmState{}
	switch msg.String() {
	case "y", "Y":
		a := m.account(c.id)
		if a == nil {
			m.screen = scrList
			return m, nil
		}
		name := a.Name
		m.file.Vault.Remove(c.id)
		if m.reveal.id == c.id {
			m.reveal = revealState{}
		}
		m.detail = detailState{}
		m.screen = scrList
		m.rebuildRows()
		m.setStatus("deleted "+name+" (the previous vault is kept as a backup)", false)
		return m, tea.Batch(m.requestSave(), m.runAudit())
	}
	m.screen = c.from
	m.setStatus("nothing deleted", false)
	return m, nil
}

func (m Model) viewConfirm() string {
	a := m.account(m.confirm.id)
	if a == nil {
		return ""
	}
	s := m.styles
	body := s.Bad.Render(fmt.Sprintf("Delete %s?", safe(a.Name))) + "\n\n" +
		fmt.Sprintf("%s and its %s leave the vault.", safeAddr(a.Username, a.Host, a.Port), plural(len(a.History), "retired password", "retired passwords")) +
		"\n\n" + s.Key.Render("y") + " delete   " + s.Key.Render("any other key") + " keep it"
	return lipgloss.Place(m.width, max(1, m.height-2), lipgloss.Center, lipgloss.Center, s.Box.Render(body))
}
