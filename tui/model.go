// Package tui is the imapvault terminal interface: a bubbletea program over
// the same vault, imapcheck, audit and rotate functions as the command line.
// One root Model routes between screens; each screen lives in its own file.
package tui

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/vault"
)

// Options configure the TUI. main.go fills them from flags.
type Options struct {
	VaultPath, IdentityPath string
	Passphrase              []byte      // from --passphrase-file, if given: skip the unlock prompt
	TLSConfig               *tls.Config // extra roots for checks (demo); nil = system roots
	Concurrency, PerHost    int         // check pool limits; 0 = imapcheck defaults
	Timeout                 time.Duration
	AutoLock                time.Duration // 0 = vault setting, else 10 min
	Now                     func() time.Time
	Title                   string // e.g. "imapvault demo"
	// AgentIdentity, when set, returns the unlock agent's identity when the
	// agent is unlocked for this identity file (nil otherwise), so the TUI
	// opens without asking again. ShareWithAgent, when set, hands an
	// identity unlocked here to the agent, when the person asks for it on
	// the unlock screen (tab), so mail clients' `imapvault get` works too.
	AgentIdentity  func() *vault.Identity
	ShareWithAgent func(*vault.Identity) error
	// AgentSocket is where ShareWithAgent hands the identity, shown beside
	// the choice; AgentNote, when set, says why mail clients may ask
	// another agent (no XDG_RUNTIME_DIR here).
	AgentSocket, AgentNote string
	// Doctor, when set, counts what `imapvault doctor` finds for a vault
	// (run on a copy, off the update loop); the overview shows the count.
	Doctor func(*vault.Vault) int
	// Discover looks up an address's servers for the add form; nil: the
	// built-in provider table only, no network.
	Discover func(ctx context.Context, address string) (*discover.Result, error)
}

type screen int

const (
	scrStart screen = iota // probing the files
	scrUnlock
	scrFirstRun
	scrList
	scrDetail
	scrForm
	scrAudit
	scrHelp
	scrConfirm
	scrRotate
	scrFatal
	scrOverview
)

// Model is the root model. It holds the session (the open vault and the
// identity, both nil while locked) and routes messages to the screen shown.
type Model struct {
	opts   Options
	now    func() time.Time
	width  int
	height int
	styles Styles
	keys   keyMap
	help   help.Model
	dark   bool

	screen    screen
	back      screen // where esc leaves help and the audit view for
	fatal     error  // shown on scrFatal; returned by Run
	fatalHint string

	file      *vault.File
	id        *vault.Identity
	oauthBusy bool // an oauth2 account's login flow is running (tui/oauth.go)
	session   int  // counts unlocks, so work started before a lock is ignored after it

	unlock   unlockState
	first    firstRunState
	list     listState
	detail   detailState
	form     formState
	audit    auditState
	confirm  confirmState
	rot      rotState
	overview overviewState
	ovMemo   *overviewMemo // the overview's counts, shared by every copy
	helpOff  int           // how far the help screen is scrolled

	check   checkState
	save    saveState
	clip    clipState
	outside outsideState
	ask     *pluginAsk // an age plugin's question, shown over every screen
	reveal  revealState
	status  statusLine

	lastActivity time.Time
	tickGen      int
	tickEvery    time.Duration // 0 stops the clock (tests send tickMsg themselves)
	clipboard    clipboardTool // system clipboard; nil when none is available

	rotVerifyTimeout time.Duration // 0: rotate's default; tests shorten it

	quitting   bool // quit once the save in flight is done
	quitAnyway bool // the user was told about unsaved changes and quits again
}

// New builds the root model; Run starts it. Tests drive it directly.
func New(opts Options) Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	m := Model{
		opts:      opts,
		now:       now,
		width:     80,
		height:    24,
		dark:      true,
		keys:      newKeyMap(),
		help:      help.New(),
		screen:    scrStart,
		clipboard: detectClipboard(),
		tickEvery: time.Second,
		ovMemo:    &overviewMemo{},
	}
	m.styles = newStyles(true, noColor)
	m.help.Styles = m.styles.Help
	m.unlock = newUnlockState(m.styles)
	m.first = newFirstRunState()
	m.list = newListState()
	m.lastActivity = now()
	return m
}

// Run runs the program on the alternate screen until the user quits or ctx
// ends.
func Run(ctx context.Context, opts Options) error {
	p := tea.NewProgram(New(opts), tea.WithContext(ctx))
	// Plugin identities ask for a PIN or touch through the TUI, not over it.
	saved := vault.PluginUI
	vault.PluginUI = pluginUI(p.Send)
	defer func() { vault.PluginUI = saved }()
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		fm.wipe()
		if fm.fatal != nil {
			return fm.fatal
		}
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// Init asks the terminal for its background colour, looks at the files and
// starts the one-second clock that drives countdowns and auto-lock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.probe(), m.tick())
}

type tickMsg struct {
	gen int
	at  time.Time
}

func (m Model) tick() tea.Cmd {
	if m.tickEvery <= 0 {
		return nil
	}
	gen := m.tickGen
	return tea.Tick(m.tickEvery, func(t time.Time) tea.Msg { return tickMsg{gen: gen, at: t} })
}

// Update routes a message: first what every screen shares (size, colours,
// the clock, background work finishing), then keys to the screen shown.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.styles = newStyles(m.dark, m.styles.noColor)
		m.help.Styles = m.styles.Help
		return m, nil
	case tickMsg:
		return m.onTick(msg)
	case probeMsg:
		return m.onProbe(msg)
	case unlockedMsg:
		return m.onUnlocked(msg)
	case unlockFailedMsg:
		return m.onUnlockFailed(msg)
	case agentUnlockFailedMsg:
		return m.onAgentUnlockFailed(msg)
	case createdMsg:
		return m.onCreated(msg)
	case savedMsg:
		return m.onSaved(msg)
	case checkResultMsg:
		return m.onCheckResult(msg)
	case checkStartedMsg:
		return m.onCheckStarted(msg)
	case checkDoneMsg:
		return m.onCheckDone(msg)
	case doctorMsg:
		if msg.session == m.session {
			m.overview.doctor = msg.n
		}
		return m, nil
	case auditDoneMsg:
		return m.onAuditDone(msg)
	case rotMsg:
		return m.onRot(msg)
	case oauthFlowMsg:
		return m.onOAuthFlow(msg)
	case oauthDoneMsg:
		return m.onOAuthDone(msg)
	case clipSetMsg:
		return m.onClipSet(msg)
	case clipClearedMsg:
		return m.onClipCleared(msg)
	case pluginAskMsg:
		return m.onPluginAsk(msg)
	case pluginNoteMsg:
		m.setStatus(msg.text, false)
		return m, nil
	case diskLookMsg:
		return m.onDiskLook(msg)
	case reloadedMsg:
		return m.onReloaded(msg)
	case discoverMsg:
		return m.onDiscovered(msg)
	case tea.PasteMsg:
		// Every field is one line. A copied password's trailing newline is
		// dropped; a line break or tab inside (a spreadsheet row, say) is
		// refused, never silently removed: "pass\nword" saved as "password"
		// would be a password nobody set.
		msg.Content = strings.TrimRight(msg.Content, "\r\n")
		if strings.ContainsAny(msg.Content, "\r\n\t") {
			m.setStatus("paste refused: it holds a line break or a tab, and every field is one line", true)
			return m, nil
		}
		// Nor any other control character (ESC, BEL, DEL, C1): the input
		// would drop it, and a password without it is one nobody set.
		if pos, _, bad := vault.FirstControl(msg.Content); bad {
			m.setStatus(fmt.Sprintf("paste refused: it holds a control character at character %d; copy the text alone", pos), true)
			return m, nil
		}
		return m.updateFocused(msg)
	case tea.KeyPressMsg:
		m.lastActivity = m.now()
		if msg.String() == "ctrl+c" {
			return m.quit()
		}
		if m.ask != nil {
			return m.pluginKey(msg)
		}
		if m.quitAnyway && msg.String() != "q" {
			m.quitAnyway = false // any other key: the user stays
		}
		if msg.String() == "R" && m.outside.noticed && (m.screen == scrList || m.screen == scrDetail || m.screen == scrAudit || m.screen == scrOverview) {
			return m.reload()
		}
		return m.onKey(msg)
	}
	return m.updateFocused(msg)
}

// updateFocused passes other messages (cursor blinks, spinner frames) to the
// widget that asked for them.
func (m Model) updateFocused(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.screen {
	case scrStart, scrUnlock:
		m.unlock, cmd = m.unlock.update(msg)
	case scrRotate, scrFirstRun:
		if _, ok := msg.(spinner.TickMsg); ok && (m.rot.busy != "" || m.first.busy) {
			m.unlock.spinner, cmd = m.unlock.spinner.Update(msg)
			return m, cmd
		}
		if m.screen == scrFirstRun {
			m.first, cmd = m.first.update(msg)
		} else if m.rot.step == rotPaste && m.rot.busy == "" {
			m.rot.paste, cmd = m.rot.paste.Update(msg) // a paste into the provider's password field
		}
	case scrForm:
		m.form, cmd = m.form.update(msg)
	case scrList:
		if m.list.filtering {
			m.list.filter, cmd = m.list.filter.Update(msg)
			if v := m.list.filter.Value(); v != m.list.query {
				m.list.applyFilter(v, false)
				m.list.cursor, m.list.offset = 0, 0
			}
		}
	}
	return m, cmd
}

func (m Model) onKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch m.screen {
	case scrStart:
		if msg.String() == "q" || msg.String() == "esc" {
			return m.quit()
		}
		return m, nil
	case scrFatal:
		return m.quit()
	case scrUnlock:
		return m.unlockKey(msg)
	case scrFirstRun:
		return m.firstRunKey(msg)
	case scrList:
		return m.listKey(msg)
	case scrDetail:
		return m.detailKey(msg)
	case scrForm:
		return m.formKey(msg)
	case scrAudit:
		return m.auditKey(msg)
	case scrHelp:
		return m.helpKey(msg)
	case scrConfirm:
		return m.confirmKey(msg)
	case scrRotate:
		return m.rotateKey(msg)
	case scrOverview:
		return m.overviewKey(msg)
	}
	return m, nil
}

// quit cancels any running check and leaves; the clipboard is cleared now
// rather than left holding a password after the program is gone.
//
// An edit is never lost on the way out: a save in flight is waited for, and
// a failed one needs the quit key a second time.
func (m Model) quit() (tea.Model, tea.Cmd) {
	if m.ask != nil { // the command waiting on the plugin's answer must end too
		m.ask.msg.reply <- pluginReply{err: errPluginCancelled}
		m.ask = nil
	}
	m.check.cancelRun()
	m.rot.cancelStep()
	switch {
	case m.save.inFlight:
		m.quitting = true
		m.setStatus("saving before quitting…", false)
		return m, nil
	case m.save.failed && !m.quitAnyway:
		m.quitAnyway = true
		m.setStatus("q again quits without saving; ctrl+s retries", true)
		return m, nil
	}
	cmds := []tea.Cmd{}
	if c := m.clearClipboardNow(); c != nil {
		cmds = append(cmds, c)
	}
	cmds = append(cmds, tea.Quit)
	return m, tea.Sequence(cmds...)
}

// onTick drives every timer from one clock so tests can move time by
// injecting Now and sending a tickMsg.
func (m Model) onTick(msg tickMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	if msg.gen == m.tickGen && !msg.at.IsZero() {
		cmds = append(cmds, m.tick())
	}
	now := m.now()
	if m.reveal.id != "" && !now.Before(m.reveal.until) {
		m.reveal = revealState{}
	}
	if m.status.text != "" && !m.status.err && now.Sub(m.status.at) >= statusFade {
		m.status = statusLine{} // notes fade; errors stay until the next one
	}
	m.scoringStatus()
	if !m.rot.revealed.IsZero() && now.Sub(m.rot.revealed) >= revealTimeout {
		m.rot.revealed = time.Time{}
	}
	if c := m.clipTick(now); c != nil {
		cmds = append(cmds, c)
	}
	if c := m.lookAtDisk(now); c != nil {
		cmds = append(cmds, c)
	}
	// A failed save holds the lock off: locking would drop the only copy
	// of the change. The status line already says it is unsaved.
	if m.unlocked() && !m.save.failed && now.Sub(m.lastActivity) >= m.autoLock() {
		var c tea.Cmd
		m, c = m.lock("locked after being idle")
		cmds = append(cmds, c)
	}
	return m, tea.Batch(cmds...)
}

func (m Model) unlocked() bool { return m.file != nil }

func (m Model) autoLock() time.Duration {
	if m.opts.AutoLock > 0 {
		return m.opts.AutoLock
	}
	if m.file != nil && m.file.Vault.Settings.AutoLockMinutes > 0 {
		return time.Duration(m.file.Vault.Settings.AutoLockMinutes) * time.Minute
	}
	return vault.DefaultAutoLockMinutes * time.Minute
}

// lock drops the decrypted vault and the identity from the model and goes
// back to the unlock screen. Unsaved edits are kept only as long as a save
// is in flight; a pending save still completes on its own copy.
func (m Model) lock(why string) (Model, tea.Cmd) {
	m.check.cancelRun()
	m.check = checkState{run: m.check.run}
	needPass := m.id == nil || m.id.Kind.NeedsPassphrase()
	m.file, m.id = nil, nil
	m.list = newListState()
	m.detail = detailState{}
	m.form = formState{}
	m.audit = auditState{gen: m.audit.gen}
	m.confirm = confirmState{}
	m.rot.cancelStep()
	m.rot = rotState{gen: m.rot.gen}
	m.overview = overviewState{}
	m.ovMemo.forget()
	m.reveal = revealState{}
	m.unlock = newUnlockState(m.styles)
	m.unlock.needPass = needPass
	m.screen = scrUnlock
	m.setStatus(why, false)
	return m, m.unlock.input.Focus()
}

// wipe forgets secrets the program still holds when it ends.
func (m *Model) wipe() {
	m.file, m.id = nil, nil
	for i := range m.opts.Passphrase {
		m.opts.Passphrase[i] = 0
	}
}

// account returns the account with id, or nil when locked or gone.
func (m Model) account(id string) *vault.Account {
	if i := m.accountIndex(id); i >= 0 {
		return m.file.Vault.Accounts[i]
	}
	return nil
}
