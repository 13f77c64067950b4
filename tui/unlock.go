package tui

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/vault"
)

// unlockState is the passphrase prompt. The slow scrypt runs in a command
// behind the spinner, never in Update.
type unlockState struct {
	input    textInput
	spinner  spinner.Model
	busy     bool
	needPass bool // false for a plain identity: enter just reopens
	plugin   bool // a plugin identity asks its own questions and may be retried
	err      string
	tries    int
	share    bool // also unlock the agent (Options.ShareWithAgent)
}

func newUnlockState(s Styles) unlockState {
	in := newTextInput("")
	in.Prompt = "passphrase: "
	masked(&in)
	in.SetWidth(40)
	sp := spinner.New(spinner.WithSpinner(spinner.Dot))
	return unlockState{input: in, spinner: sp, needPass: true}
}

func (u unlockState) update(msg tea.Msg) (unlockState, tea.Cmd) {
	var c1, c2 tea.Cmd
	if u.busy {
		u.spinner, c1 = u.spinner.Update(msg)
	}
	u.input, c2 = u.input.Update(msg)
	return u, tea.Batch(c1, c2)
}

// probeMsg says what is on disk: is there a vault, and what kind of
// identity opens it.
type probeMsg struct {
	vaultExists bool
	kind        vault.IdentityKind
	err         error
	agentID     *vault.Identity // the unlock agent holds the identity already
}

func (m Model) probe() tea.Cmd {
	vp, ip, fromAgent := m.opts.VaultPath, m.opts.IdentityPath, m.opts.AgentIdentity
	return func() tea.Msg {
		kind, err := vault.DetectIdentity(ip)
		if err != nil {
			return probeMsg{err: err}
		}
		_, err = os.Stat(vp)
		switch {
		case err == nil:
			msg := probeMsg{vaultExists: true, kind: kind}
			if kind.NeedsPassphrase() && fromAgent != nil {
				msg.agentID = fromAgent()
			}
			return msg
		case errors.Is(err, os.ErrNotExist):
			return probeMsg{kind: kind}
		}
		return probeMsg{err: fmt.Errorf("look at vault %s: %w", vp, err)}
	}
}

func (m Model) onProbe(msg probeMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.err != nil:
		m.fatal = msg.err
		m.screen = scrFatal
		return m, nil
	case !msg.vaultExists:
		m.screen = scrFirstRun
		m.first = newFirstRunState()
		m.first.identityKind = msg.kind
		return m, m.first.focus()
	case msg.kind == vault.IdentityMissing:
		m.fatal = fmt.Errorf("no identity at %s to open vault %s", m.opts.IdentityPath, m.opts.VaultPath)
		m.fatalHint = "pass --identity FILE (or set IMAPVAULT_IDENTITY)"
		m.screen = scrFatal
		return m, nil
	}
	m.screen = scrUnlock
	m.unlock.needPass = msg.kind.NeedsPassphrase()
	m.unlock.plugin = msg.kind == vault.IdentityPlugin
	if msg.agentID != nil {
		return m.startUnlockWith(msg.agentID)
	}
	if !m.unlock.needPass || len(m.opts.Passphrase) > 0 {
		pass := append([]byte(nil), m.opts.Passphrase...)
		// Used once: after an auto-lock the person types it again.
		clear(m.opts.Passphrase)
		m.opts.Passphrase = nil
		return m.startUnlock(pass)
	}
	return m, m.unlock.input.Focus()
}

type unlockedMsg struct {
	id       *vault.Identity
	file     *vault.File
	viaAgent bool   // opened with the agent's identity: nothing was asked
	shared   bool   // the agent was unlocked too
	shareErr error  // unlocking the agent failed (the TUI is unlocked anyway)
	rows     rowSet // the list's rows, made in the command (no findings yet)
}

// opened is the unlocked message for f, with the list's rows made here,
// in the command: 100,000 of them are no work for the UI goroutine.
func opened(id *vault.Identity, f *vault.File) unlockedMsg {
	return unlockedMsg{id: id, file: f, rows: buildRows(f.Vault.Accounts, nil, newListState().sortBy, nil)}
}

type unlockFailedMsg struct{ err error }

// startUnlock runs LoadIdentity (scrypt) and Open in a command. The
// passphrase buffer belongs to the command, which wipes it when done.
func (m Model) startUnlock(pass []byte) (tea.Model, tea.Cmd) {
	m.unlock.busy = true
	m.unlock.err = ""
	ip, vp := m.opts.IdentityPath, m.opts.VaultPath
	var share func(*vault.Identity) error
	if m.unlock.share && m.unlock.needPass {
		share = m.opts.ShareWithAgent
	}
	work := func() tea.Msg {
		defer clear(pass)
		id, err := vault.LoadIdentity(ip, func() ([]byte, error) { return append([]byte(nil), pass...), nil })
		if err != nil {
			return unlockFailedMsg{err: err}
		}
		f, err := vault.Open(vp, id)
		if err != nil {
			return unlockFailedMsg{err: err}
		}
		msg := opened(id, f)
		if share != nil {
			msg.shareErr = share(id)
			msg.shared = msg.shareErr == nil
		}
		return msg
	}
	return m, tea.Batch(work, m.unlock.spinner.Tick)
}

// startUnlockWith opens the vault with the agent's identity: no prompt.
// Should the agent lock meanwhile, the open fails and the prompt shows.
func (m Model) startUnlockWith(id *vault.Identity) (tea.Model, tea.Cmd) {
	m.unlock.busy = true
	vp := m.opts.VaultPath
	work := func() tea.Msg {
		f, err := vault.Open(vp, id)
		if err != nil {
			return agentUnlockFailedMsg{err: err}
		}
		msg := opened(id, f)
		msg.viaAgent = true
		return msg
	}
	return m, tea.Batch(work, m.unlock.spinner.Tick)
}

// agentUnlockFailedMsg: the agent could not open the vault (it locked
// meanwhile): ask for the passphrase as usual.
type agentUnlockFailedMsg struct{ err error }

func (m Model) onAgentUnlockFailed(msg agentUnlockFailedMsg) (tea.Model, tea.Cmd) {
	m.unlock.busy = false
	m.screen = scrUnlock
	m.unlock.err = "the agent could not open the vault (" + msg.err.Error() + "): type the passphrase"
	return m, m.unlock.input.Focus()
}

func (m Model) unlockKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.unlock.busy {
		return m, nil
	}
	switch msg.String() {
	case "esc":
		return m.quit()
	case "tab":
		if m.opts.ShareWithAgent != nil && m.unlock.needPass && !m.unlock.plugin {
			m.unlock.share = !m.unlock.share
			return m, nil
		}
	case "enter":
		pass := []byte(m.unlock.input.Value())
		m.unlock.input.Reset()
		if m.unlock.needPass && len(pass) == 0 {
			m.unlock.err = "type the passphrase of " + m.opts.IdentityPath
			return m, nil
		}
		return m.startUnlock(pass)
	}
	var cmd tea.Cmd
	m.unlock.input, cmd = m.unlock.input.Update(msg)
	return m, cmd
}

func (m Model) onUnlockFailed(msg unlockFailedMsg) (tea.Model, tea.Cmd) {
	m.unlock.busy = false
	m.unlock.tries++
	switch {
	case errors.Is(msg.err, vault.ErrWrongPassphrase):
		m.unlock.err = "wrong passphrase — try again"
	case errors.Is(msg.err, vault.ErrNoIdentity):
		m.unlock.err = "this identity cannot open the vault: " + msg.err.Error()
	case errors.Is(msg.err, vault.ErrRollback):
		// Retyping the passphrase changes nothing: say what to do.
		m.fatal = msg.err
		m.fatalHint = "a sync tool or backup put an old copy back; if you restored it on purpose, run 'imapvault trust --rollback'"
		m.screen = scrFatal
		return m, nil
	default:
		m.unlock.err = msg.err.Error()
	}
	m.screen = scrUnlock
	if !m.unlock.needPass && !m.unlock.plugin {
		// Nothing to retype: a plain identity that fails will fail again.
		m.fatal = msg.err
		m.screen = scrFatal
		return m, nil
	}
	return m, m.unlock.input.Focus()
}

func (m Model) onUnlocked(msg unlockedMsg) (tea.Model, tea.Cmd) {
	m.unlock = newUnlockState(m.styles)
	m.id, m.file = msg.id, msg.file
	m.session++
	m.lastActivity = m.now()
	m.save = saveState{}
	m.screen = scrList
	if len(m.file.Vault.Accounts) > overviewMin {
		m.screen = scrOverview // many accounts: how healthy they are first
	}
	m.list = newListState()
	m.overview = overviewState{}
	m.adoptRows(msg.rows, nil)
	note := fmt.Sprintf("unlocked %s: %s", m.opts.VaultPath, plural(len(m.file.Vault.Accounts), "account", "accounts"))
	switch {
	case msg.viaAgent:
		note += " (through the unlock agent)"
	case msg.shared && m.opts.AgentSocket != "":
		note += "; the agent is unlocked too, for imapvault get (" + m.opts.AgentSocket + ")"
	case msg.shared:
		note += "; the agent is unlocked too, for imapvault get"
	}
	m.setStatus(note, false)
	if msg.shareErr != nil {
		m.setStatus("the agent was not unlocked: "+msg.shareErr.Error(), true)
	}
	m.announceRecipients(m.file)
	return m, tea.Batch(m.runAudit(), m.runDoctor())
}

func (m Model) viewUnlock() string {
	s := m.styles
	var b strings.Builder
	b.WriteString(s.Title.Render("Unlock") + "\n\n")
	b.WriteString(s.Subtle.Render("vault    ") + safe(m.opts.VaultPath) + "\n")
	b.WriteString(s.Subtle.Render("identity ") + safe(m.opts.IdentityPath) + "\n\n")
	switch {
	case m.unlock.busy:
		b.WriteString(m.unlock.spinner.View() + " unlocking…")
	case !m.unlock.needPass && m.unlock.err != "":
		b.WriteString("press enter to try again")
	case !m.unlock.needPass:
		b.WriteString("locked — press enter to open the vault again")
	default:
		b.WriteString(m.unlock.input.View())
	}
	if m.opts.ShareWithAgent != nil && m.unlock.needPass && !m.unlock.plugin && !m.unlock.busy {
		box := "[ ]"
		if m.unlock.share {
			box = "[x]"
		}
		b.WriteString("\n\n" + box + " also unlock the agent, so mail clients' imapvault get works " + s.Subtle.Render("(tab)"))
		if m.opts.AgentSocket != "" {
			b.WriteString("\n    " + s.Subtle.Render("agent socket "+safe(m.opts.AgentSocket)))
		}
		if m.opts.AgentNote != "" {
			b.WriteString("\n    " + s.Warn.Render(indentLines(ansi.Wordwrap(safe(m.opts.AgentNote), max(20, m.width-10), ""), 4)))
		}
	}
	if m.unlock.err != "" {
		b.WriteString("\n\n" + s.Error.Render(safe(m.unlock.err)))
	}
	b.WriteString("\n\n" + s.Subtle.Render("enter unlock • esc quit"))
	return lipgloss.NewStyle().Padding(1, 2).Render(b.String())
}
