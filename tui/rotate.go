package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/vault"
)

// rotStep is where the rotation wizard stands.
type rotStep int

const (
	rotIntro  rotStep = iota // what will happen; enter starts or resumes
	rotApply                 // set the new password at the provider, then enter
	rotDone                  // committed or aborted
	rotFailed                // a step failed; the old password stays current
	rotPaste                 // the provider made the password: paste it (masked)
)

// rotState is the rotation wizard. Each step runs rotate.* in a command on
// a copy of the file whose rotated account is its own, so the command never
// touches what Update and View read; every step saves before it returns,
// so leaving the wizard at any point loses nothing.
type rotState struct {
	id, name string
	step     rotStep
	busy     string // what the running step does; "" when idle
	newPw    string // the password being rotated to, for copy and reveal
	revealed time.Time
	lines    []string // what happened, for the person
	err      string
	cancel   context.CancelFunc
	gen      int
	back     screen
	done     string    // how the committed password was set and verified
	paste    textInput // rotPaste: the provider's password, masked
}

func (r rotState) cancelStep() {
	if r.cancel != nil {
		r.cancel()
	}
}

// rotMsg is the end of one wizard step.
type rotMsg struct {
	gen    int
	file   *vault.File // the copy the step saved, with its account
	newPw  string
	state  rotate.State
	report rotate.Report
	err    error
	byHook bool          // the account's hook set the password at the provider
	verify time.Duration // how long the verifying logins took
}

func (m Model) rotate(id string) (tea.Model, tea.Cmd) {
	a := m.account(id)
	if a == nil {
		return m, nil
	}
	if m.check.running() || m.save.inFlight || m.save.failed {
		m.setStatus("rotation waits until checks and saves are done", true)
		return m, nil
	}
	if a.IsOAuth2() && a.OAuth != nil {
		// No password to generate: rotating is authorising again.
		return m.oauthReauth(a)
	}
	m.rot = rotState{id: id, name: a.Name, gen: m.rot.gen + 1, back: m.screen}
	m.screen = scrRotate
	return m, nil
}

// rotFile is a copy of the open file for one step: the rotated account is
// cloned, everything else shared read-only.
func (m Model) rotFile() *vault.File {
	fc := *m.file
	snap := m.snapshot()
	for i, a := range snap.Accounts {
		if a.ID == m.rot.id {
			snap.Accounts[i] = cloneAccount(a)
		}
	}
	fc.Vault = snap
	return &fc
}

func (m Model) rotOptions() rotate.Options {
	return rotate.Options{TLSConfig: m.opts.TLSConfig, Now: m.opts.Now, VerifyTimeout: m.rotVerifyTimeout, Record: lastcheck.Record, RecordSMTP: lastcheck.SMTPRecord}
}

// rotRun starts one step in a command.
func (m Model) rotRun(busy string, step func(ctx context.Context, f *vault.File, opts rotate.Options, msg *rotMsg)) (Model, tea.Cmd) {
	ctx, cancel := context.WithCancel(context.Background())
	m.rot.busy, m.rot.err, m.rot.cancel = busy, "", cancel
	m.rot.gen++
	gen, f, opts := m.rot.gen, m.rotFile(), m.rotOptions()
	return m, tea.Batch(m.unlock.spinner.Tick, func() tea.Msg {
		defer cancel()
		msg := rotMsg{gen: gen, file: f}
		step(ctx, f, opts, &msg)
		return msg
	})
}

// rotStart generates and saves the new password as pending.
func (m Model) rotStart() (Model, tea.Cmd) {
	name := m.rot.name
	return m.rotRun("generating and saving the new password as pending…", func(_ context.Context, f *vault.File, opts rotate.Options, msg *rotMsg) {
		r, err := rotate.Start(f, name, opts)
		if err != nil {
			msg.err = err
			return
		}
		msg.newPw, msg.state = r.NewPassword(), r.State()
	})
}

// rotFinish marks the password applied (unless the server already has
// it), verifies it by logging in, and commits.
// With useHook, the account's stored hook sets the password at the
// provider instead of the person.
func (m Model) rotFinish(useHook bool) (Model, tea.Cmd) {
	name := m.rot.name
	busy := "logging in with the new password (esc stops waiting)…"
	if useHook {
		busy = "running the account's hook, then logging in with the new password (esc stops)…"
	}
	return m.rotRun(busy, func(ctx context.Context, f *vault.File, opts rotate.Options, msg *rotMsg) {
		r, err := rotate.Load(f, name, opts)
		if err == nil && r.State() == rotate.StatePending {
			if useHook {
				err = r.Apply(ctx)
			} else {
				err = r.MarkApplied()
			}
		}
		msg.byHook = useHook
		if err == nil && r.State() != rotate.StateVerified {
			began := time.Now() // wall time: how long the person waited
			_, err = r.Verify(ctx)
			msg.verify = time.Since(began)
		}
		if err == nil {
			err = r.Commit()
		}
		if r != nil {
			msg.state, msg.report = r.State(), r.Report()
		}
		msg.err = err
	})
}

// rotProvided saves the password the provider made as pending, counts it
// as set there, verifies it by logging in and commits — as rotate
// --new-password-stdin does.
func (m Model) rotProvided(pw string) (Model, tea.Cmd) {
	name := m.rot.name
	return m.rotRun("saving the provider's password as pending, then logging in with it (esc stops waiting)…", func(ctx context.Context, f *vault.File, opts rotate.Options, msg *rotMsg) {
		opts.NewPassword = pw
		r, err := rotate.Start(f, name, opts)
		if err == nil {
			err = r.MarkApplied()
		}
		if err == nil {
			_, err = r.Verify(ctx)
		}
		if err == nil {
			err = r.Commit()
		}
		if r != nil {
			msg.state, msg.report = r.State(), r.Report()
		}
		msg.err = err
	})
}

// rotPasteKey edits the paste field; enter hands the password over, esc
// goes back to the start.
func (m Model) rotPasteKey(msg tea.KeyPressMsg, a *vault.Account) (tea.Model, tea.Cmd) {
	r := &m.rot
	switch msg.String() {
	case "esc":
		r.paste.Reset()
		r.step, r.err = rotIntro, ""
		return m, nil
	case "enter":
		pw := r.paste.Value()
		r.paste.Reset()
		if err := rotate.CheckProviderPassword(pw, a.Password); err != nil {
			r.err = err.Error()
			return m, nil
		}
		return m.rotProvided(pw)
	}
	var cmd tea.Cmd
	r.paste, cmd = r.paste.Update(msg)
	return m, cmd
}

func (r *rotState) startPaste() {
	r.paste = newTextInput("> ")
	masked(&r.paste)
	r.paste.Focus()
	r.step, r.err = rotPaste, ""
}

func providerMakes(a *vault.Account) bool {
	return a != nil && a.Policy != nil && a.Policy.Source == vault.SourceProvider
}

func (m Model) rotAbort() (Model, tea.Cmd) {
	name := m.rot.name
	return m.rotRun("aborting: the old password stays current…", func(_ context.Context, f *vault.File, opts rotate.Options, msg *rotMsg) {
		r, err := rotate.Load(f, name, opts)
		if err == nil {
			err = r.Abort()
			msg.state = r.State()
		}
		msg.err = err
	})
}

// onRot adopts what a step saved: the rotated account and the file's new
// on-disk stamp.
func (m Model) onRot(msg rotMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.rot.gen || m.file == nil {
		return m, nil
	}
	m.rot.busy, m.rot.cancel = "", nil
	if acc := msg.file.Vault.FindID(m.rot.id); acc != nil {
		c := cloneAccount(acc)
		m.editAccount(m.rot.id, func(a *vault.Account) { *a = *c })
		live := m.file.Vault
		m.file = msg.file
		m.file.Vault = live
	}
	m.rebuildRows()
	cmd := m.runAudit()
	if msg.newPw != "" {
		m.rot.newPw = msg.newPw
	}
	if out := strings.TrimSpace(msg.report.HookOutput); out != "" {
		m.rot.lines = append(m.rot.lines, "hook said: "+safeText(out, 2000))
	}
	for _, w := range msg.report.Warnings {
		m.rot.lines = append(m.rot.lines, "warning: "+safe(w))
	}
	switch {
	case msg.err != nil:
		m.rot.step = rotFailed
		m.rot.err = safe(msg.err.Error())
		if errors.Is(msg.err, rotate.ErrVerifyFailed) || errors.Is(msg.err, context.Canceled) {
			m.rot.err += " — the old password stays current; the new one stays pending (r on the account resumes)"
		}
	case msg.state == rotate.StatePending:
		m.rot.step = rotApply
		m.rot.lines = append(m.rot.lines, "new password generated and saved as pending; the old one stays current")
	case msg.state == rotate.StateCommitted:
		m.rot.step = rotDone
		m.rot.newPw = ""
		m.rot.lines = append(m.rot.lines, "the new password logs in and is now current; the old one is in history")
		m.rot.done = doneSummary(msg)
		m.setStatus("rotated "+m.rot.name, false)
	case msg.state == rotate.StateAborted:
		m.rot.step = rotDone
		m.rot.newPw = ""
		m.rot.lines = append(m.rot.lines, "aborted: the old password stays current; the unverified one is kept in history")
		m.setStatus("rotation of "+m.rot.name+" aborted", false)
	}
	return m, cmd
}

func (m Model) rotateKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	r := &m.rot
	a := m.account(r.id)
	if r.busy != "" {
		if msg.String() == "esc" && r.cancel != nil {
			r.cancel()
		}
		return m, nil
	}
	if r.step == rotPaste && a != nil {
		return m.rotPasteKey(msg, a)
	}
	switch msg.String() {
	case "g":
		if a != nil && r.step == rotIntro && a.Pending == nil {
			r.startPaste()
		}
		return m, nil
	case "esc", "q":
		back := r.back
		m.rot = rotState{gen: r.gen}
		m.screen = back
		if a != nil && a.Pending != nil {
			m.setStatus("rotation of "+a.Name+" left pending; the old password stays current", false)
		}
		return m, nil
	case "enter":
		switch {
		case a == nil:
			return m, nil
		case r.step == rotIntro && a.Pending == nil && providerMakes(a):
			r.startPaste()
			return m, nil
		case r.step == rotIntro && a.Pending == nil:
			return m.rotStart()
		case r.step == rotIntro && a.Pending.State == vault.PendingSaved:
			r.newPw = a.Pending.Password // resume: it may not be at the provider yet
			r.step = rotApply
			return m, nil
		case r.step == rotIntro, r.step == rotApply, r.step == rotFailed && a.Pending != nil:
			return m.rotFinish(false)
		case r.step == rotDone:
			m.screen = r.back
			m.rot = rotState{gen: r.gen}
		}
	case "h":
		if a != nil && a.Hook != "" && a.Pending != nil && a.Pending.State == vault.PendingSaved && r.step != rotDone {
			return m.rotFinish(true)
		}
	case "x":
		if a != nil && a.Pending != nil && a.Pending.State != vault.PendingVerified && r.step != rotDone {
			return m.rotAbort()
		}
	case "y":
		if r.newPw != "" {
			return m.copyText(r.newPw, "the new password of "+r.name)
		}
	case "p":
		if r.newPw != "" {
			if r.revealed.IsZero() {
				r.revealed = m.now()
			} else {
				r.revealed = time.Time{}
			}
		}
	}
	return m, nil
}

func (m Model) viewRotate() string {
	s, r := m.styles, m.rot
	a := m.account(r.id)
	if a == nil {
		return "account gone"
	}
	w := max(30, m.width-4)
	wrap := func(t string) string { return ansi.Wordwrap(t, w, "") }
	lines := []string{s.Title.Render("Rotate the password of " + safe(a.Name)), ""}
	switch r.step {
	case rotIntro:
		if p := a.Pending; p != nil {
			lines = append(lines, wrap(fmt.Sprintf("A rotation is pending (%s since %s). The old password is still current.", p.State, stamp(p.Started))))
			if p.Note != "" {
				lines = append(lines, wrap("Last time: "+safe(p.Note)))
			}
			resume := " resume (verify the new password, then commit)"
			if p.State == vault.PendingSaved {
				resume = " resume (set the new password at the provider, then verify)"
			}
			lines = append(lines, "", s.Key.Render("enter")+resume)
			if p.State != vault.PendingVerified {
				lines = append(lines, s.Key.Render("x")+"     abort (keep the old password; the new one goes to history)")
			}
		} else {
			lines = append(lines,
				wrap("1. A new password is generated and saved as pending — the old one stays current."),
				wrap("2. You set it at the provider (copy it with y here)."),
				wrap("3. imapvault logs in with it; only then does it become current."),
				"", s.Key.Render("enter")+" start")
			if providerMakes(a) {
				lines[len(lines)-1] = s.Key.Render("enter") + " paste the password the provider made"
			}
			lines = append(lines, s.Key.Render("g")+"     the provider gave me a password: paste it")
		}
	case rotPaste:
		lines = append(lines, wrap("Paste the password "+safe(a.Host)+" made for "+safe(a.Username)+" (it is not shown). It is saved as pending and becomes current only once it logs in."), "",
			"  "+r.paste.View(), "", s.Key.Render("enter")+" verify and commit   "+s.Key.Render("esc")+" back")
		if r.err != "" {
			lines = append(lines, "", s.Error.Render(wrap(r.err)))
		}
	case rotApply:
		lines = append(lines, wrap("Set this new password at "+safe(a.Host)+" for "+safe(a.Username)+", then press enter to verify it:"), "")
		if !r.revealed.IsZero() {
			lines = append(lines, "  "+ansi.Hardwrap(termtext.LineN(r.newPw, 0), w-2, false))
		} else {
			lines = append(lines, "  "+strings.Repeat("•", 12)+s.Subtle.Render("  (p reveals, y copies)"))
		}
		lines = append(lines, "", s.Key.Render("enter")+" I have set it — verify and commit")
		if a.Hook != "" {
			lines = append(lines, s.Key.Render("h")+"     run the account's stored hook to set it, then verify and commit")
		}
		lines = append(lines, s.Key.Render("x")+"     abort")
	case rotDone:
		lines = append(lines, s.OK.Render("Done."))
		if r.done != "" {
			lines = append(lines, wrap(r.done))
		}
		lines = append(lines, "", s.Key.Render("enter")+" back")
	case rotFailed:
		lines = append(lines, s.Error.Render(wrap(r.err)), "")
		if a.Pending != nil {
			lines = append(lines, s.Key.Render("enter")+" try verifying again", s.Key.Render("x")+"     abort")
		}
	}
	if r.busy != "" {
		lines = append(lines, "", m.unlock.spinner.View()+" "+r.busy)
	}
	if len(r.lines) > 0 {
		lines = append(lines, "")
		for _, l := range r.lines {
			lines = append(lines, s.Subtle.Render(wrap("• "+l)))
		}
	}
	lines = append(lines, "", s.Subtle.Render("esc leaves (a pending rotation stays pending; nothing is lost)"))
	return lipgloss.NewStyle().Padding(0, 1).Render(strings.Join(lines, "\n"))
}

// doneSummary says how a committed password was set (the hook and what it
// said, or by hand) and how long verifying it took.
func doneSummary(msg rotMsg) string {
	how := "Set by hand"
	if msg.byHook {
		how = "Set by the account's hook"
		if out := firstLine(msg.report.HookOutput); out != "" {
			how += " (it said: " + termtext.LineN(out, 80) + ")"
		}
	}
	if msg.verify <= 0 {
		return how + "; it had been verified before."
	}
	logins := ""
	if n := msg.report.Attempts; n > 0 {
		logins = " (" + plural(n, "login", "logins") + ")"
	}
	return how + "; verified in " + msg.verify.Round(100*time.Millisecond).String() + logins + "."
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}
