package tui

import (
	"slices"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// overviewMemo keeps the overview's counts (and the pending banner's)
// between frames and keys.
// Accounts are never changed in place (an edit replaces the account), so
// the same account pointers mean the same accounts: comparing 100,000
// pointers costs far less than counting them again. Ages and expiries
// move with the clock, to the minute here. Every copy of a Model shares
// one memo; only the UI goroutine uses it.
type overviewMemo struct {
	accs          []*vault.Account
	audit         int // auditState.version
	at            time.Time
	dark, noColor bool
	secs          []section

	// The pending rotations' count, for the banner every frame draws.
	pendingOf []*vault.Account
	pending   int
}

// pendingCount is how many accounts have a rotation pending.
func (c *overviewMemo) pendingCount(accs []*vault.Account) int {
	if c != nil && c.pendingOf != nil && slices.Equal(c.pendingOf, accs) {
		return c.pending
	}
	n := 0
	for _, a := range accs {
		if a.Pending != nil {
			n++
		}
	}
	if c != nil {
		c.pendingOf, c.pending = slices.Clone(accs), n
	}
	return n
}

func (c *overviewMemo) get(m Model) []section {
	if c == nil || c.secs == nil || c.audit != m.audit.version || !c.at.Equal(m.now().Truncate(time.Minute)) ||
		c.dark != m.dark || c.noColor != m.styles.noColor || !slices.Equal(c.accs, m.file.Vault.Accounts) {
		return nil
	}
	return c.secs
}

func (c *overviewMemo) put(m Model, secs []section) {
	if c == nil {
		return
	}
	c.accs, c.audit, c.at, c.dark, c.noColor, c.secs = slices.Clone(m.file.Vault.Accounts), m.audit.version,
		m.now().Truncate(time.Minute), m.dark, m.styles.noColor, secs
}

// forget drops what the memo holds (at lock: it holds account pointers).
func (c *overviewMemo) forget() {
	if c != nil {
		*c = overviewMemo{}
	}
}
