package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
)

// row is one account as the list shows it. Everything that does not depend
// on the clock is computed once here, so View and the filter only touch
// what they draw or compare.
type row struct {
	acc    *vault.Account
	pos    int // the account's place in the vault when the row was made
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

// rowsBuilt counts the rows buildRows makes or remakes, for the test that
// keeps whole-vault work out of Update.
var rowsBuilt atomic.Int64

func newRow(a *vault.Account, pos int, fs []audit.Finding) row {
	r := row{acc: a, pos: pos, name: safe(a.Name), addr: safeAddr(a.Username, a.Host, a.Port)}
	r.lname = strings.ToLower(a.Name)
	// The filter matches the stored text; only what is drawn is escaped.
	r.search = strings.ToLower(a.Name + " " + fmt.Sprintf("%s@%s:%d", a.Username, a.Host, a.Port) + " " + strings.Join(a.Tags, " "))
	r.setFindings(fs)
	return r
}

// setFindings sets what the row takes from the audit: its rank and badges.
func (r *row) setFindings(fs []audit.Finding) {
	a := r.acc
	r.rank = statusRank(a.LastCheck)*10 + worstSeverity(fs)
	if a.Pending != nil {
		r.rank += 5
	}
	r.badges = badges(a, fs)
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

// compareRows orders rows by k, then by name, then by their place in the
// vault: a total order, so an unstable sort gives what a stable sort from
// the vault's order would, whatever order the rows were in. Rows are
// compared through pointers and each key only when the ones before it
// tie: sorting 100,000 rows is some 1.7 million comparisons.
func compareRows(k sortKind) func(a, b *row) int {
	by := compareRowsBy(k)
	return func(a, b *row) int {
		if c := by(a, b); c != 0 {
			return c
		}
		if c := strings.Compare(a.lname, b.lname); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	}
}

func compareRowsBy(k sortKind) func(a, b *row) int {
	switch k {
	case sortName:
		return func(a, b *row) int { return 0 }
	case sortHost:
		return func(a, b *row) int {
			if c := strings.Compare(a.acc.Host, b.acc.Host); c != 0 {
				return c
			}
			return strings.Compare(a.acc.Username, b.acc.Username)
		}
	case sortAge:
		return func(a, b *row) int { return a.acc.Changed.Compare(b.acc.Changed) }
	case sortChecked:
		return func(a, b *row) int { return checkedAt(a.acc).Compare(checkedAt(b.acc)) }
	}
	return func(a, b *row) int { return cmp.Compare(b.rank, a.rank) }
}

// sortRows is rows in k's order, sorted through their positions (a row
// is too big to move around 1.7 million times).
func sortRows(rows []row, k sortKind) []row {
	by := compareRows(k)
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int { return by(&rows[i], &rows[j]) })
	out := make([]row, len(rows))
	for n, i := range idx {
		out[n] = rows[i]
	}
	return out
}

func checkedAt(a *vault.Account) time.Time {
	if a.LastCheck == nil {
		return time.Time{}
	}
	return a.LastCheck.At
}

// rowSet is every row of the list in sort order, made from accs.
type rowSet struct {
	accs   []*vault.Account // the vault's accounts the rows were made from, in its order
	sortBy sortKind
	rows   []row
	index  map[string]int // account id -> position in rows
}

// buildRows makes the rows of accs with their findings and sorts them.
// It touches only its arguments, so an audit command builds the rows of
// 100,000 accounts off the UI goroutine. old, when set, is rows to take
// what does not depend on the audit from (an unchanged account's name,
// address and search text): only the UI goroutine may pass it.
func buildRows(accs []*vault.Account, byAccount map[string][]audit.Finding, sortBy sortKind, old *listState) rowSet {
	rowsBuilt.Add(int64(len(accs)))
	set := rowSet{accs: accs, sortBy: sortBy, rows: make([]row, len(accs))}
	for i, a := range accs {
		if old != nil {
			if j, ok := old.index[a.ID]; ok && old.rows[j].acc == a {
				r := old.rows[j]
				r.pos = i
				r.setFindings(byAccount[a.ID])
				set.rows[i] = r
				continue
			}
		}
		set.rows[i] = newRow(a, i, byAccount[a.ID])
	}
	set.rows = sortRows(set.rows, sortBy)
	set.index = rowIndex(set.rows)
	return set
}

func rowIndex(rows []row) map[string]int {
	index := make(map[string]int, len(rows))
	for i, r := range rows {
		index[r.acc.ID] = i
	}
	return index
}

// rebuildRows recomputes every row from the vault, sorts, and reapplies the
// filter, keeping the cursor on the same account.
func (m *Model) rebuildRows() {
	m.useRows(buildRows(m.file.Vault.Accounts, m.audit.byAccount, m.list.sortBy, &m.list))
}

// useRows shows set, keeping the filter and the cursor's account.
func (m *Model) useRows(set rowSet) {
	l := &m.list
	sel := l.selectedID()
	if set.index == nil {
		set.index = rowIndex(set.rows)
	}
	l.rows, l.index = set.rows, set.index
	l.applyFilter(l.query, true)
	l.selectID(sel)
}

// adoptRows shows rows an audit command built from before (the vault's
// accounts when the audit started) when they still fit: the same accounts
// then and now, but for the ones the audit's strength scores replaced
// (replaced: before[i] -> now[i], nothing else changed), and the same
// order asked for. Else it rebuilds them here.
func (m *Model) adoptRows(set rowSet, replaced map[*vault.Account]*vault.Account) {
	now := m.file.Vault.Accounts
	fits := set.sortBy == m.list.sortBy && len(set.accs) == len(now)
	for i := 0; fits && i < len(now); i++ {
		fits = set.accs[i] == now[i] || replaced[set.accs[i]] == now[i]
	}
	if !fits {
		m.rebuildRows()
		return
	}
	for i := range set.rows {
		if c := replaced[set.rows[i].acc]; c != nil {
			set.rows[i].acc = c
		}
	}
	m.useRows(set)
}

// resort puts the rows in the order asked for; they stay as they are.
func (m *Model) resort() {
	l := &m.list
	rows := sortRows(l.rows, l.sortBy)
	m.useRows(rowSet{rows: rows, index: rowIndex(rows)})
}

// refreshRow updates one account's row in place without moving it, so rows
// do not jump under the cursor while checks stream in.
func (m *Model) refreshRow(id string) {
	i, ok := m.list.index[id]
	p := m.accountIndex(id)
	if !ok || p < 0 {
		return
	}
	m.list.rows[i] = newRow(m.file.Vault.Accounts[p], p, m.audit.byAccount[id])
}

// accountIndex is the place in the vault of the account with id, -1 when
// there is none: found through its row when the row still says where it
// is (a check of 100,000 accounts looks one up per result), else by a scan.
func (m Model) accountIndex(id string) int {
	if m.file == nil {
		return -1
	}
	accs := m.file.Vault.Accounts
	if i, ok := m.list.index[id]; ok && i < len(m.list.rows) {
		if p := m.list.rows[i].pos; p < len(accs) && accs[p].ID == id {
			return p
		}
	}
	for i, a := range accs {
		if a.ID == id {
			return i
		}
	}
	return -1
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
