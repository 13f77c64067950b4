package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// listState is the account table: every row in sort order, the indices of
// the rows the filter lets through, and a cursor into those.
type listState struct {
	rows      []row
	index     map[string]int // account id -> position in rows
	view      []int          // positions in rows that match the filter
	cursor    int            // position in view
	offset    int            // first view position drawn
	sortBy    sortKind
	filter    textInput
	filtering bool
	query     string          // the filter applied to view
	only      map[string]bool // set from the overview: only these accounts
	onlyLabel string          // what they are ("✗ auth failed")
}

func newListState() listState {
	in := newTextInput("")
	in.Prompt = "/"
	in.Placeholder = "filter by name, user, host or tag"
	return listState{filter: in, index: map[string]int{}}
}

func (l listState) selected() *row {
	if l.cursor < 0 || l.cursor >= len(l.view) {
		return nil
	}
	return &l.rows[l.view[l.cursor]]
}

func (l listState) selectedID() string {
	if r := l.selected(); r != nil {
		return r.acc.ID
	}
	return ""
}

func (l *listState) selectID(id string) {
	if id == "" {
		l.clampCursor()
		return
	}
	if i, ok := l.index[id]; ok {
		for vi, ri := range l.view {
			if ri == i {
				l.cursor = vi
				return
			}
		}
	}
	l.clampCursor()
}

func (l *listState) clampCursor() {
	l.cursor = max(0, min(l.cursor, len(l.view)-1))
}

// applyFilter narrows the view to rows whose search text holds every word
// of q. When q only extends the query already applied, it filters the
// current view instead of every row: each keystroke gets cheaper.
func (l *listState) applyFilter(q string, full bool) {
	q = strings.ToLower(strings.TrimSpace(q))
	words := strings.Fields(q)
	var from []int
	if !full && l.view != nil && strings.HasPrefix(q, l.query) {
		from = l.view
	}
	out := make([]int, 0, len(l.rows))
	match := func(i int) {
		if l.only != nil && !l.only[l.rows[i].acc.ID] {
			return
		}
		s := l.rows[i].search
		for _, w := range words {
			if !strings.Contains(s, w) {
				return
			}
		}
		out = append(out, i)
	}
	if from != nil {
		for _, i := range from {
			match(i)
		}
	} else {
		for i := range l.rows {
			match(i)
		}
	}
	l.view, l.query = out, q
	l.clampCursor()
}

// visibleRows is how many table rows fit in the body.
func (m Model) visibleRows() int {
	return max(1, m.bodyHeight()-1) // minus the header
}

func (l *listState) scrollTo(n int) {
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+n {
		l.offset = l.cursor - n + 1
	}
	l.offset = max(0, min(l.offset, len(l.view)-n))
}

func (m Model) listKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	l := &m.list
	k := m.keys
	if l.filtering {
		switch msg.String() {
		case "esc":
			l.filtering = false
			l.filter.Blur()
			l.filter.Reset()
			sel := l.selectedID()
			l.applyFilter("", true)
			l.selectID(sel)
			return m, nil
		case "enter", "down", "up":
			l.filtering = false
			l.filter.Blur()
			return m, nil
		}
		var cmd tea.Cmd
		l.filter, cmd = l.filter.Update(msg)
		if v := l.filter.Value(); v != l.query {
			l.applyFilter(v, false)
			l.cursor, l.offset = 0, 0
		}
		return m, cmd
	}
	n := m.visibleRows()
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Back):
		switch {
		case m.check.running():
			m.check.cancelRun()
			m.check.stopped = true
			m.setStatus("cancelling checks…", false)
		case l.query != "":
			l.filter.Reset()
			sel := l.selectedID()
			l.applyFilter("", true)
			l.selectID(sel)
		case l.only != nil:
			sel := l.selectedID()
			l.only, l.onlyLabel = nil, ""
			l.applyFilter("", true)
			l.selectID(sel)
		}
	case key.Matches(msg, k.Up):
		l.cursor--
	case key.Matches(msg, k.Down):
		l.cursor++
	case key.Matches(msg, k.PageUp):
		l.cursor -= n
	case key.Matches(msg, k.PageDown):
		l.cursor += n
	case key.Matches(msg, k.Top):
		l.cursor = 0
	case key.Matches(msg, k.Bottom):
		l.cursor = len(l.view) - 1
	case key.Matches(msg, k.Filter):
		l.filtering = true
		l.filter.SetValue(l.query)
		l.filter.CursorEnd()
		return m, l.filter.Focus()
	case key.Matches(msg, k.Sort):
		l.sortBy = (l.sortBy + 1) % sortKinds
		m.resort()
		m.setStatus("sorted by "+l.sortBy.String(), false)
	case key.Matches(msg, k.Enter):
		if r := l.selected(); r != nil {
			return m.openDetail(r.acc.ID)
		}
	case key.Matches(msg, k.Add):
		return m.openForm("")
	case key.Matches(msg, k.Edit):
		if r := l.selected(); r != nil {
			return m.openForm(r.acc.ID)
		}
	case key.Matches(msg, k.Delete):
		if r := l.selected(); r != nil {
			return m.askDelete(r.acc.ID)
		}
	case key.Matches(msg, k.Check):
		if r := l.selected(); r != nil {
			return m.startCheck([]string{r.acc.ID})
		}
	case key.Matches(msg, k.CheckAll):
		return m.startCheck(nil)
	case key.Matches(msg, k.Save):
		cmd := m.requestSave()
		return m, cmd
	default:
		return m.sharedKey(msg)
	}
	l.clampCursor()
	l.scrollTo(n)
	return m, nil
}

// sharedKey handles the keys the list and the detail screen have in common.
func (m Model) sharedKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	id := m.currentID()
	switch {
	case key.Matches(msg, k.Help):
		m.back = m.screen
		m.screen = scrHelp
	case key.Matches(msg, k.Audit):
		return m.openAudit()
	case key.Matches(msg, k.Overview):
		return m.openOverview()
	case key.Matches(msg, k.Copy):
		return m.copyPassword(id)
	case key.Matches(msg, k.Reveal):
		return m.toggleReveal(id)
	case key.Matches(msg, k.Rotate):
		return m.rotate(id)
	case key.Matches(msg, k.Lock):
		if m.save.failed {
			m.setStatus("not locking: unsaved changes — ctrl+s retries the save", true)
			return m, nil
		}
		return m.lock("locked")
	}
	return m, nil
}

// currentID is the account the keys act on: the one in detail, or the row
// under the cursor.
func (m Model) currentID() string {
	if m.screen == scrDetail {
		return m.detail.id
	}
	return m.list.selectedID()
}

// column ids, in the order they are drawn.
type colID int

const (
	colName colID = iota
	colStatus
	colAccount
	colSecurity
	colChecked
	colAge
	colBadges
)

type column struct {
	id       colID
	title    string
	min, max int
	drop     int // narrow terminals drop the highest first
}

var columns = []column{
	{colName, "NAME", 10, 24, 0},
	{colStatus, "STATUS", 14, 19, 0},
	{colAccount, "ACCOUNT", 22, 44, 1},
	{colSecurity, "SECURITY", 8, 8, 5},
	{colChecked, "CHECKED", 8, 9, 4},
	{colAge, "AGE", 4, 5, 2},
	{colBadges, "AUDIT", 8, 30, 3},
}

// layout picks the columns that fit width and their widths.
func layout(width int) ([]column, []int) {
	cols := append([]column(nil), columns...)
	total := func() int {
		t := 2 // cursor mark
		for _, c := range cols {
			t += c.min + 1
		}
		return t
	}
	for total() > width && len(cols) > 1 {
		worst := 0
		for i, c := range cols {
			if c.drop > cols[worst].drop {
				worst = i
			}
		}
		cols = append(cols[:worst], cols[worst+1:]...)
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = c.min
	}
	// Spare room goes where it helps most first: the account (user@host:port
	// is what people read), then names, then audit badges, then the rest.
	grow := []struct {
		id     colID
		target int
	}{{colAccount, 24}, {colName, 14}, {colBadges, 12}, {colAccount, 32}, {colName, 20}, {colBadges, 20},
		{colAccount, 44}, {colName, 24}, {colBadges, 30}, {colStatus, 19}, {colChecked, 9}, {colAge, 5}}
	spare := width - total()
	for _, g := range grow {
		for i, c := range cols {
			if c.id == g.id {
				add := max(0, min(spare, min(g.target, c.max)-widths[i]))
				widths[i] += add
				spare -= add
			}
		}
	}
	return cols, widths
}

// fit pads or truncates s to exactly w cells.
func fit(s string, w int) string {
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-ansi.StringWidth(s))
}

// fitAddr fits user@host:port to exactly w cells. Cut at the end it lost
// the port, which says most about how the account connects; so the port
// stays and user@host gives way in its middle, keeping the user's start
// and the host's end (its domain).
func fitAddr(addr string, w int) string {
	i := strings.LastIndexByte(addr, ':')
	if ansi.StringWidth(addr) <= w || i < 0 {
		return fit(addr, w)
	}
	head, port := addr[:i], addr[i:]
	room := w - ansi.StringWidth(port) - 1 // 1 for the ellipsis
	if room < 6 {
		return fit(addr, w) // too narrow to keep both ends readable
	}
	left := (room + 1) / 2
	right := room - left
	cut := ansi.Truncate(head, left, "") + "…" + ansi.TruncateLeft(head, ansi.StringWidth(head)-right, "")
	return fit(cut+port, w)
}

// viewList draws only the rows on screen, so a vault of 10,000 accounts
// costs no more to draw than one of 20.
func (m Model) viewList() string {
	s, l := m.styles, m.list
	cols, widths := layout(m.width)
	n := m.visibleRows()
	var b strings.Builder
	b.WriteString("  ")
	for i, c := range cols {
		b.WriteString(s.Header.Render(fit(c.title, widths[i])))
		b.WriteByte(' ')
	}
	b.WriteByte('\n')
	now := m.now()
	if len(l.view) == 0 {
		if len(l.rows) == 0 {
			b.WriteString(s.Subtle.Render("  No accounts yet — press a to add one, or run `imapvault import FILE.csv`."))
		} else {
			b.WriteString(s.Subtle.Render("  No account matches " + fmt.Sprintf("%q", l.query) + " — esc clears the filter."))
		}
		b.WriteByte('\n')
	}
	// The stored offset may be stale after a resize; keep the cursor shown.
	off := l.offset
	if l.cursor >= off+n {
		off = l.cursor - n + 1
	}
	off = max(0, min(off, l.cursor))
	end := min(len(l.view), off+n)
	for vi := off; vi < end; vi++ {
		r := &l.rows[l.view[vi]]
		sel := vi == l.cursor
		_, checking := m.check.inFlight[r.acc.ID]
		var line strings.Builder
		if sel {
			line.WriteString("▸ ")
		} else {
			line.WriteString("  ")
		}
		for i, c := range cols {
			var cell string
			if c.id == colAccount {
				cell = fitAddr(r.addr, widths[i])
			} else {
				cell = fit(m.cell(c.id, r, now, checking), widths[i])
			}
			if c.id == colStatus && !sel {
				cell = m.statusStyle(r.acc.LastCheck, checking).Render(cell)
			}
			if c.id == colBadges && !sel && r.badges != "" {
				cell = s.Warn.Render(cell)
			}
			line.WriteString(cell)
			line.WriteByte(' ')
		}
		if sel {
			b.WriteString(s.Selected.Render(line.String()))
		} else {
			b.WriteString(line.String())
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (m Model) cell(id colID, r *row, now time.Time, checking bool) string {
	a := r.acc
	switch id {
	case colName:
		return r.name
	case colStatus:
		icon, word := statusWord(a.LastCheck, checking)
		return icon + " " + word
	case colAccount:
		return r.addr
	case colSecurity:
		return string(a.Security)
	case colChecked:
		if a.LastCheck == nil {
			return "never"
		}
		return ago(now, a.LastCheck.At)
	case colAge:
		if a.Changed.IsZero() {
			return "?"
		}
		return shortDuration(now.Sub(a.Changed))
	case colBadges:
		return r.badges
	}
	return ""
}
