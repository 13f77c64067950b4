package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
)

// row is one account as the list shows it. Everything that does not depend
// on the clock is computed once here, so View and the filter only touch
// what they draw or compare.
type row struct {
	acc    *vault.Account
	name   string
	lname  string // lower-case name, the tie-breaker of every sort
	addr   string // user@host:port
	search string // lower-case name and address, for the filter
	rank   int    // worst-first key: higher is worse
	badges string
}

// sortKind is one of the orders `s` cycles through.
type sortKind int

const (
	sortWorst sortKind = iota
	sortName
	sortHost
	sortAge
	sortChecked
	sortKinds
)

func (k sortKind) String() string {
	return [...]string{"worst first", "name", "host", "oldest password", "least recently checked"}[k]
}

func newRow(a *vault.Account, fs []audit.Finding) row {
	r := row{acc: a, name: safe(a.Name), addr: safeAddr(a.Username, a.Host, a.Port)}
	r.lname = strings.ToLower(a.Name)
	// The filter matches the stored text; only what is drawn is escaped.
	r.search = strings.ToLower(a.Name + " " + fmt.Sprintf("%s@%s:%d", a.Username, a.Host, a.Port) + " " + strings.Join(a.Tags, " "))
	r.rank = statusRank(a.LastCheck)*10 + worstSeverity(fs)
	if a.Pending != nil {
		r.rank += 5
	}
	r.badges = badges(a, fs)
	return r
}

// statusRank orders check outcomes: a refused login is worse than a server
// that did not answer, which is worse than never having checked.
func statusRank(c *vault.Check) int {
	if c == nil {
		return 1
	}
	switch c.Status {
	case "ok":
		return 0
	case "timeout", "unreachable":
		return 2
	}
	return 3
}

func badges(a *vault.Account, fs []audit.Finding) string {
	var out []string
	if a.Pending != nil {
		out = append(out, "↻pending")
	}
	seen := map[string]bool{}
	for _, f := range fs {
		k := string(f.Kind)
		if f.Kind == audit.LoginFailed || seen[k] {
			continue // the status column already says so
		}
		seen[k] = true
		out = append(out, k)
	}
	return strings.Join(out, " ")
}

func compareRows(k sortKind) func(a, b row) int {
	byName := func(a, b row) int { return cmp.Compare(a.lname, b.lname) }
	switch k {
	case sortName:
		return byName
	case sortHost:
		return func(a, b row) int {
			return cmp.Or(cmp.Compare(a.acc.Host, b.acc.Host), cmp.Compare(a.acc.Username, b.acc.Username), byName(a, b))
		}
	case sortAge:
		return func(a, b row) int { return cmp.Or(a.acc.Changed.Compare(b.acc.Changed), byName(a, b)) }
	case sortChecked:
		return func(a, b row) int { return cmp.Or(checkedAt(a.acc).Compare(checkedAt(b.acc)), byName(a, b)) }
	}
	return func(a, b row) int { return cmp.Or(cmp.Compare(b.rank, a.rank), byName(a, b)) }
}

func checkedAt(a *vault.Account) time.Time {
	if a.LastCheck == nil {
		return time.Time{}
	}
	return a.LastCheck.At
}

// rebuildRows recomputes every row from the vault, sorts, and reapplies the
// filter, keeping the cursor on the same account.
func (m *Model) rebuildRows() {
	l := &m.list
	sel := l.selectedID()
	l.rows = l.rows[:0]
	for _, a := range m.file.Vault.Accounts {
		l.rows = append(l.rows, newRow(a, m.audit.byAccount[a.ID]))
	}
	slices.SortStableFunc(l.rows, compareRows(l.sortBy))
	l.index = make(map[string]int, len(l.rows))
	for i, r := range l.rows {
		l.index[r.acc.ID] = i
	}
	l.applyFilter(l.query, true)
	l.selectID(sel)
}

// refreshRow updates one account's row in place without moving it, so rows
// do not jump under the cursor while checks stream in.
func (m *Model) refreshRow(id string) {
	i, ok := m.list.index[id]
	a := m.account(id)
	if !ok || a == nil {
		return
	}
	m.list.rows[i] = newRow(a, m.audit.byAccount[id])
}

// statusWord is the status column: an icon and a word, so it reads without
// colour.
func statusWord(c *vault.Check, checking bool) (icon, word string) {
	if checking {
		return "◌", "checking"
	}
	if c == nil {
		return "·", "unchecked"
	}
	if c.Status == "ok" && c.SMTP != nil && c.SMTP.Status != "ok" {
		// The login works but sending does not: the row says which side.
		icon, word := statusWord(c.SMTP, false)
		return icon, "smtp " + word
	}
	switch c.Status {
	case "ok":
		return "✓", "ok"
	case "timeout":
		return "!", "timeout"
	case "unreachable":
		return "!", "unreachable"
	}
	return "✗", safe(strings.ReplaceAll(c.Status, "_", " "))
}

// ago is a short relative time: "just now", "5m ago", "3d ago".
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return shortDuration(now.Sub(t)) + " ago"
}

func shortDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d < 2*365*24*time.Hour:
		return fmt.Sprintf("%dmo", int(d.Hours()/24/30))
	}
	return fmt.Sprintf("%dy", int(d.Hours()/24/365))
}

// worstSeverity is the rank of the worst finding, 0 for none.
func worstSeverity(fs []audit.Finding) int {
	w := 0
	for _, f := range fs {
		w = max(w, f.Severity.Rank())
	}
	return w
}
