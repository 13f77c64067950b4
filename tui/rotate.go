package tui

import tea "charm.land/bubbletea/v2"

// rotate will open the rotation wizard; until it lands the command line
// does the job.
func (m Model) rotate(id string) (tea.Model, tea.Cmd) {
	a := m.account(id)
	if a == nil {
		return m, nil
	}
	m.setStatus("rotation: use `imapvault rotate "+a.Name+"`", false)
	return m, nil
}
