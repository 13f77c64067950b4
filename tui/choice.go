package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/vault"
)

// securityChoices are what the form's security field offers, in the order
// left and right move through them.
var securityChoices = []vault.Security{vault.TLS, vault.STARTTLS, vault.Insecure}

// securityKey is a key on the form's security field: a choice, not free
// text. left/right (h/l) and space move through the choices, the first
// letter picks one (t, s, i); other keys do nothing. The field's input
// keeps the value, so the rest of the form reads it as before.
func (m Model) securityKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.form
	before := f.inputs[fSecurity].Value()
	sec, err := vault.ParseSecurity(before)
	if err != nil {
		sec = vault.TLS
	}
	i := max(0, slices.Index(securityChoices, sec))
	n := len(securityChoices)
	switch msg.String() {
	case "right", "l", "space", " ":
		i = (i + 1) % n
	case "left", "h":
		i = (i + n - 1) % n
	default:
		found := false
		for j, c := range securityChoices {
			if msg.String() == string(c)[:1] {
				i, found = j, true
			}
		}
		if !found {
			return m, nil
		}
	}
	f.inputs[fSecurity].SetValue(string(securityChoices[i]))
	f.changed(before)
	return m, nil
}

// viewSecurity draws the choices, the chosen one in brackets (it reads
// without colour too).
func (m Model) viewSecurity(focused bool) string {
	s := m.styles
	cur, err := vault.ParseSecurity(m.form.inputs[fSecurity].Value())
	if err != nil {
		cur = vault.TLS
	}
	var parts []string
	for _, c := range securityChoices {
		if c == cur {
			parts = append(parts, s.Key.Render("["+string(c)+"]"))
		} else {
			parts = append(parts, s.Subtle.Render(" "+string(c)+" "))
		}
	}
	out := strings.Join(parts, " ")
	if focused {
		out += "  " + s.Subtle.Render("←/→ to choose")
	}
	return out
}

// chooseKey is the help bar's entry for the security field.
func (m Model) chooseKey() key.Binding {
	return key.NewBinding(key.WithKeys("left", "right", "space"), key.WithHelp("←/→", "choose"))
}
