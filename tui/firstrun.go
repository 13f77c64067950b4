package tui

import (
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/imapvault/imapvault/vault"
)

// firstRunState creates a vault when there is none: a new passphrase typed
// twice with a strength meter, or (when an identity already exists) that
// identity's passphrase once.
type firstRunState struct {
	identityKind vault.IdentityKind
	inputs       [2]textInput
	focused      int
	busy         bool
	err          string
}

func newFirstRunState() firstRunState {
	var f firstRunState
	for i, p := range []string{"passphrase: ", "again:      "} {
		in := newTextInput("")
		in.Prompt = p
		masked(&in)
		in.SetWidth(40)
		f.inputs[i] = in
	}
	return f
}

// newIdentity reports whether the screen makes a new identity as well.
func (f firstRunState) newIdentity() bool { return f.identityKind == vault.IdentityMissing }

func (f firstRunState) fields() int {
	switch {
	case f.newIdentity():
		return 2
	case f.identityKind.NeedsPassphrase():
		return 1
	}
	return 0
}

func (f *firstRunState) focus() tea.Cmd {
	for i := range f.inputs {
		f.inputs[i].Blur()
	}
	if f.fields() == 0 {
		return nil
	}
	return f.inputs[f.focused].Focus()
}

func (f firstRunState) update(msg tea.Msg) (firstRunState, tea.Cmd) {
	var cmd tea.Cmd
	f.inputs[f.focused], cmd = f.inputs[f.focused].Update(msg)
	return f, cmd
}

type createdMsg struct {
	id   *vault.Identity
	file *vault.File
	err  error
}

func (m Model) firstRunKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.first
	if f.busy {
		return m, nil
	}
	switch msg.String() {
	case "esc":
		return m.quit()
	case "tab", "down", "shift+tab", "up":
		if f.fields() == 2 {
			f.focused = 1 - f.focused
			return m, f.focus()
		}
		return m, nil
	case "enter":
		if f.fields() == 2 && f.focused == 0 {
			f.focused = 1
			return m, f.focus()
		}
		return m.createVault()
	}
	if f.fields() == 0 {
		return m, nil
	}
	var cmd tea.Cmd
	f.inputs[f.focused], cmd = f.inputs[f.focused].Update(msg)
	f.err = ""
	return m, cmd
}

// createVault checks the passphrases and runs CreateIdentity (scrypt) or
// LoadIdentity, then vault.Create, in a command.
func (m Model) createVault() (tea.Model, tea.Cmd) {
	f := &m.first
	p1, p2 := f.inputs[0].Value(), f.inputs[1].Value()
	switch {
	case f.fields() > 0 && p1 == "":
		f.err = "type a passphrase"
		return m, nil
	case f.newIdentity() && p1 != p2:
		f.err = "the two passphrases differ — type them again"
		f.inputs[0].Reset()
		f.inputs[1].Reset()
		f.focused = 0
		return m, f.focus()
	case f.newIdentity() && len(p1) < 8:
		f.err = "use at least 8 characters (a few random words work well)"
		return m, nil
	}
	f.busy = true
	f.err = ""
	pass := []byte(p1)
	f.inputs[0].Reset()
	f.inputs[1].Reset()
	newID := f.newIdentity()
	ip, vp, now := m.opts.IdentityPath, m.opts.VaultPath, m.now()
	return m, tea.Batch(m.unlock.spinner.Tick, func() tea.Msg {
		defer clear(pass)
		var id *vault.Identity
		var err error
		if newID {
			id, err = vault.CreateIdentity(ip, pass)
		} else {
			id, err = vault.LoadIdentity(ip, func() ([]byte, error) { return append([]byte(nil), pass...), nil })
		}
		if err != nil {
			return createdMsg{err: err}
		}
		file, err := vault.Create(vp, id, now)
		return createdMsg{id: id, file: file, err: err}
	})
}

func (m Model) onCreated(msg createdMsg) (tea.Model, tea.Cmd) {
	m.first.busy = false
	if msg.err != nil {
		if errors.Is(msg.err, vault.ErrWrongPassphrase) {
			m.first.err = "wrong passphrase for " + m.opts.IdentityPath + " — try again"
		} else {
			m.first.err = msg.err.Error()
		}
		return m, m.first.focus()
	}
	m.first = newFirstRunState()
	return m.onUnlocked(unlockedMsg{id: msg.id, file: msg.file})
}

func (m Model) viewFirstRun() string {
	s, f := m.styles, m.first
	var b strings.Builder
	b.WriteString(s.Title.Render("Welcome to imapvault") + "\n\n")
	b.WriteString("There is no vault at " + safe(m.opts.VaultPath) + " yet.\n\n")
	switch f.fields() {
	case 2:
		b.WriteString("Choose a passphrase for your new identity (" + safe(m.opts.IdentityPath) + ").\n")
		b.WriteString(s.Subtle.Render("It is asked once per unlock; it cannot be recovered if forgotten.") + "\n\n")
		b.WriteString(f.inputs[0].View() + "\n")
		b.WriteString(strengthMeter(s, strength(f.inputs[0].Value()), 40) + "\n")
		b.WriteString(f.inputs[1].View() + "\n")
	case 1:
		b.WriteString("Your identity " + safe(m.opts.IdentityPath) + " will open it. Its passphrase:\n\n")
		b.WriteString(f.inputs[0].View() + "\n")
	default:
		b.WriteString("Your identity " + safe(m.opts.IdentityPath) + " will open it. Press enter to create it.\n")
	}
	if f.busy {
		b.WriteString("\n" + m.unlock.spinner.View() + " creating the vault…\n")
	}
	if f.err != "" {
		b.WriteString("\n" + s.Error.Render(safe(f.err)) + "\n")
	}
	b.WriteString("\n" + s.Subtle.Render("Have a CSV of accounts? Quit and run:") + "\n")
	b.WriteString("  imapvault import FILE.csv\n")
	b.WriteString(s.Subtle.Render("  (header: name,host,port,security,username,password,changed)") + "\n\n")
	b.WriteString(s.Subtle.Render(fmt.Sprintf("enter %s • tab next field • esc quit", "create")))
	return lipgloss.NewStyle().Padding(1, 2).Render(b.String())
}
