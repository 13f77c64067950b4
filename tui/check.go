package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// checkState is one run of login checks. Results stream from the pool's
// channel one message at a time, so rows update live and keys are handled
// between results.
type checkState struct {
	run      int // increases per run, so results of a cancelled run are told apart
	active   bool
	stopped  bool // esc: results from here on may be cancellations
	ids      []string
	ch       <-chan imapcheck.Indexed
	cancel   context.CancelFunc
	inFlight map[string]struct{}
	done     int
	stored   int
	failed   int
}

func (c checkState) running() bool { return c.active }

// skipped counts results that were cancellations.
func (c checkState) skipped() int { return c.done - c.stored }

func (c checkState) cancelRun() {
	if c.cancel != nil {
		c.cancel()
	}
}

type checkResultMsg struct {
	run int
	res imapcheck.Indexed
}

type checkDoneMsg struct{ run int }

type checkStartedMsg struct {
	run int
	ch  <-chan imapcheck.Indexed
}

// waitResult waits for the next result of run; re-issued after each one.
func waitResult(run int, ch <-chan imapcheck.Indexed) tea.Cmd {
	return func() tea.Msg {
		r, ok := <-ch
		if !ok {
			return checkDoneMsg{run: run}
		}
		return checkResultMsg{run: run, res: r}
	}
}

// startCheck checks the accounts with ids, or every account when ids is nil.
func (m Model) startCheck(ids []string) (tea.Model, tea.Cmd) {
	if m.check.running() {
		m.setStatus("a check is already running — esc cancels it", false)
		return m, nil
	}
	if ids == nil {
		for _, a := range m.file.Vault.Accounts {
			ids = append(ids, a.ID)
		}
	}
	if len(ids) == 0 {
		m.setStatus("no accounts to check", false)
		return m, nil
	}
	targets := make([]imapcheck.Target, len(ids))
	inFlight := make(map[string]struct{}, len(ids))
	for i, id := range ids {
		targets[i] = lastcheck.Target(m.account(id), m.opts.TLSConfig)
		inFlight[id] = struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	pool := imapcheck.Pool{Concurrency: m.opts.Concurrency, PerHost: m.opts.PerHost, Timeout: m.opts.Timeout,
		Prepare: oauthPrepare(m.opts.VaultPath, m.id, ids, m.account)}
	run := m.check.run + 1
	m.check = checkState{run: run, active: true, ids: ids, cancel: cancel, inFlight: inFlight}
	m.setStatus("checking "+plural(len(ids), "account", "accounts")+"…", false)
	// The pool dials from its own goroutines; starting it is a command too.
	return m, func() tea.Msg { return checkStartedMsg{run: run, ch: pool.Run(ctx, targets)} }
}

func (m Model) onCheckStarted(msg checkStartedMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.check.run || !m.check.running() {
		return m, nil // cancelled or locked before it began; the pool drains on its own
	}
	m.check.ch = msg.ch
	return m, waitResult(msg.run, msg.ch)
}

func (m Model) onCheckResult(msg checkResultMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.check.run || !m.check.running() {
		return m, nil
	}
	next := waitResult(msg.run, m.check.ch)
	i := msg.res.Index
	if i < 0 || i >= len(m.check.ids) {
		return m, next
	}
	id := m.check.ids[i]
	delete(m.check.inFlight, id)
	m.check.done++
	if m.check.stopped && msg.res.Result.Status == imapcheck.StatusTimeout {
		return m, next // a cancelled check says nothing about the account
	}
	if !msg.res.Result.OK() {
		m.check.failed++
	}
	if a := m.account(id); a != nil {
		c := lastcheck.Record(msg.res.Result)
		if lastcheck.Stale(a, c) != "" {
			return m, next // made with a password a rotation has replaced meanwhile
		}
		m.editAccount(id, func(a *vault.Account) { a.LastCheck = c })
		m.check.stored++
		m.refreshRow(id)
	}
	return m, next
}

// onCheckDone saves once for the whole run, re-sorts (rows stayed put while
// results streamed in) and re-runs the audit over the new results.
func (m Model) onCheckDone(msg checkDoneMsg) (tea.Model, tea.Cmd) {
	if msg.run != m.check.run {
		return m, nil
	}
	c := m.check
	c.cancelRun()
	m.check = checkState{run: c.run}
	if m.file == nil {
		return m, nil
	}
	word := "checked"
	if c.stopped {
		word = "cancelled; checked"
	}
	m.setStatus(fmt.Sprintf("%s %s: %d ok, %d failed", word, plural(c.done-c.skipped(), "account", "accounts"), c.done-c.skipped()-c.failed, c.failed), c.failed > 0)
	m.rebuildRows()
	return m, tea.Batch(m.requestSave(), m.runAudit())
}

// oauthPrepare gives the pool's oauth2 checks a fresh access token. Each
// works on its own copy of the account's OAuth2 settings (the pool runs
// off the UI goroutine) and refreshes against the vault file, which holds
// the newest tokens; the TUI's next save merges them in (the newest wins).
func oauthPrepare(path string, id *vault.Identity, ids []string, account func(string) *vault.Account) func(context.Context, int, imapcheck.Target) (imapcheck.Target, *imapcheck.Result) {
	copies := make([]*vault.Account, len(ids))
	for i, aid := range ids {
		if a := account(aid); a != nil && a.IsOAuth2() && a.OAuth != nil {
			c := *a
			o := *a.OAuth
			c.OAuth = &o
			copies[i] = &c
		}
	}
	return func(ctx context.Context, i int, t imapcheck.Target) (imapcheck.Target, *imapcheck.Result) {
		if copies[i] == nil {
			return t, nil
		}
		return oauth.PrepareCheck(ctx, copies[i], t, oauth.InVault(path, id, copies[i].ID, 10*time.Second))
	}
}
