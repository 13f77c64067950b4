package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
)

// overviewMin: a vault with more accounts than this opens on the overview
// rather than the list.
const overviewMin = 5

// overviewCerts is how many of the next certificate expiries are shown.
const overviewCerts = 5

// overviewState is the overview's cursor: an index into its figures.
type overviewState struct {
	cursor int
	doctor int // what `imapvault doctor` found (Options.Doctor)
}

// doctorMsg carries the doctor's count for the session that asked.
type doctorMsg struct{ session, n int }

// runDoctor counts the doctor's findings on a copy of the vault.
func (m Model) runDoctor() tea.Cmd {
	if m.opts.Doctor == nil || m.file == nil {
		return nil
	}
	v, session, doctor := m.file.Vault.Clone(), m.session, m.opts.Doctor
	return func() tea.Msg { return doctorMsg{session, doctor(v)} }
}

// figure is one number on the overview, and the accounts behind it: enter
// shows those in the list.
type figure struct {
	label string // as drawn and as the list's filter line names it
	count int
	match func(a *vault.Account) bool // the accounts behind the figure
	style lipgloss.Style
	rank  int // orders figures within a section
	days  int // certificate rows: days left
	cert  bool
}

// section is a titled group of figures drawn as a bar chart (or, for
// certificates, a timeline).
type section struct {
	title string
	figs  []figure
}

func (m Model) openOverview() (tea.Model, tea.Cmd) {
	m.screen = scrOverview
	return m, nil
}

// overviewSections counts the vault four ways: last check status, audit
// finding kind, password age, next certificate expiries. One pass over the
// accounts with a counter per figure: a frame over 10,000 accounts stays
// cheap. Which accounts a figure holds is worked out only on enter.
func (m Model) overviewSections() []section {
	v, now := m.file.Vault, m.now()

	// Check status, worst first as the list sorts; ok comes last.
	type statusCount struct {
		c     *vault.Check // one of them, for the word and the style
		count int
	}
	byStatus := map[string]*statusCount{}
	for _, a := range v.Accounts {
		k := checkKey(a.LastCheck)
		if sc := byStatus[k]; sc != nil {
			sc.count++
		} else {
			byStatus[k] = &statusCount{c: a.LastCheck, count: 1}
		}
	}
	var status []figure
	for k, sc := range byStatus {
		icon, word := statusWord(sc.c, false)
		status = append(status, figure{label: icon + " " + word, count: sc.count, style: m.statusStyle(sc.c, false),
			rank: statusRank(sc.c), match: func(a *vault.Account) bool { return checkKey(a.LastCheck) == k }})
	}
	slices.SortFunc(status, func(a, b figure) int { return cmp.Or(cmp.Compare(b.rank, a.rank), cmp.Compare(a.label, b.label)) })

	// Finding kinds: accounts with at least one finding of the kind; the
	// most severe kinds first, then the most common.
	type kindCount struct {
		worst audit.Severity
		count int
	}
	byKind := map[audit.Kind]*kindCount{}
	for _, fs := range m.audit.byAccount {
		seen := map[audit.Kind]bool{}
		for _, f := range fs {
			kc := byKind[f.Kind]
			if kc == nil {
				kc = &kindCount{worst: f.Severity}
				byKind[f.Kind] = kc
			}
			if f.Severity.Rank() > kc.worst.Rank() {
				kc.worst = f.Severity
			}
			if !seen[f.Kind] {
				seen[f.Kind] = true
				kc.count++
			}
		}
	}
	var kinds []figure
	for k, kc := range byKind {
		byAcc := m.audit.byAccount
		kinds = append(kinds, figure{label: string(k), count: kc.count, style: m.sevStyle(kc.worst), rank: kc.worst.Rank(),
			match: func(a *vault.Account) bool {
				return slices.ContainsFunc(byAcc[a.ID], func(f audit.Finding) bool { return f.Kind == k })
			}})
	}
	slices.SortFunc(kinds, func(a, b figure) int {
		return cmp.Or(cmp.Compare(b.rank, a.rank), cmp.Compare(b.count, a.count), cmp.Compare(a.label, b.label))
	})

	// Password age.
	buckets := []struct {
		label      string
		from, upTo int // days
		style      lipgloss.Style
	}{{"< 90 d", 0, 90, m.styles.OK}, {"90–180 d", 90, 180, m.styles.Info}, {"180–365 d", 180, 365, m.styles.Warn}, {"> 365 d", 365, 1 << 30, m.styles.Bad}}
	ageDays := func(a *vault.Account) int {
		if a.Changed.IsZero() {
			return -1
		}
		return int(now.Sub(a.Changed).Hours() / 24)
	}
	ages := make([]figure, len(buckets))
	for i, b := range buckets {
		ages[i] = figure{label: b.label, style: b.style,
			match: func(a *vault.Account) bool { d := ageDays(a); return d >= b.from && d < b.upTo }}
	}
	for _, a := range v.Accounts {
		d := ageDays(a)
		for i, b := range buckets {
			if d >= b.from && d < b.upTo {
				ages[i].count++
				break
			}
		}
	}

	// The next certificate expiries: the few soonest, kept in order.
	var certs []figure
	for _, a := range v.Accounts {
		c := a.LastCheck
		if c == nil || c.TLS == nil || c.TLS.NotAfter.IsZero() {
			continue
		}
		days := int(c.TLS.NotAfter.Sub(now).Hours() / 24)
		if len(certs) == overviewCerts && days >= certs[len(certs)-1].days {
			continue
		}
		id := a.ID
		f := figure{label: safe(a.Name), count: 1, days: days, cert: true,
			match: func(a *vault.Account) bool { return a.ID == id }}
		i, _ := slices.BinarySearchFunc(certs, f, func(x, y figure) int { return cmp.Or(cmp.Compare(x.days, y.days), cmp.Compare(x.label, y.label)) })
		certs = slices.Insert(certs, i, f)
		certs = certs[:min(len(certs), overviewCerts)]
	}
	for i := range certs {
		switch d := certs[i].days; {
		case d < 7:
			certs[i].style = m.styles.Bad
		case d < 21:
			certs[i].style = m.styles.Warn
		default:
			certs[i].style = m.styles.OK
		}
	}

	return []section{
		{"Check status", status},
		{"Password age", ages},
		{"Audit findings (accounts)", kinds},
		{"Certificates expiring next", certs},
	}
}

// checkKey groups checks by outcome: the status, or "" when never checked.
func checkKey(c *vault.Check) string {
	if c == nil {
		return ""
	}
	return c.Status
}

// overviewFigures is every figure the cursor visits, in order: the left
// column's sections, then the right's.
func overviewFigures(secs []section) []figure {
	var out []figure
	for _, s := range secs {
		out = append(out, s.figs...)
	}
	return out
}

func (m Model) overviewHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Up, k.Down, withHelp(k.Enter, "show those accounts"), withHelp(k.Back, "all accounts"), k.Help, k.Quit}
}

func (m Model) overviewKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k, o := m.keys, &m.overview
	figs := overviewFigures(m.overviewSections())
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Back), key.Matches(msg, k.Overview):
		m.screen = scrList
		return m, nil
	case key.Matches(msg, k.Up):
		o.cursor--
	case key.Matches(msg, k.Down):
		o.cursor++
	case key.Matches(msg, k.Top):
		o.cursor = 0
	case key.Matches(msg, k.Bottom):
		o.cursor = len(figs) - 1
	case key.Matches(msg, k.Enter):
		if o.cursor >= 0 && o.cursor < len(figs) {
			return m.showOnly(figs[o.cursor])
		}
	case key.Matches(msg, k.Help):
		m.back = m.screen
		m.screen = scrHelp
	case key.Matches(msg, k.Audit):
		return m.openAudit()
	case key.Matches(msg, k.CheckAll):
		return m.startCheck(nil)
	}
	o.cursor = max(0, min(o.cursor, len(figs)-1))
	return m, nil
}

// showOnly opens the list narrowed to the accounts behind f.
func (m Model) showOnly(f figure) (tea.Model, tea.Cmd) {
	l := &m.list
	if f.count == 0 {
		m.setStatus("no account there", false)
		return m, nil
	}
	ids := map[string]bool{}
	for _, a := range m.file.Vault.Accounts {
		if f.match(a) {
			ids[a.ID] = true
		}
	}
	l.only, l.onlyLabel = ids, f.label
	l.filter.Reset()
	l.applyFilter("", true)
	l.cursor, l.offset = 0, 0
	m.screen = scrList
	return m, nil
}

// viewOverview draws the four sections in two columns when the terminal is
// wide enough, else in one; the cursor's figure is marked ▸ and reversed.
func (m Model) viewOverview() string {
	s := m.styles
	secs := m.overviewSections()
	head := s.Title.Render("Overview")
	if n := m.overview.doctor; n > 0 { // first: the line is cut at the width
		head += s.Warn.Render(fmt.Sprintf(" · doctor: %d to fix", n))
	}
	head += s.Subtle.Render(" · " + m.lastCheckText())
	twoCols := m.width >= 76
	colW := m.width - 2
	if twoCols {
		colW = (m.width - 3) / 2
	}
	idx := 0
	render := func(sec section) []string {
		lines := []string{s.Header.Render(sec.title)}
		if len(sec.figs) == 0 {
			none := "none"
			if sec.title == "Audit findings (accounts)" {
				none = "none — nothing to do"
			}
			if strings.HasPrefix(sec.title, "Certificates") {
				none = "none known yet — C checks every account"
			}
			lines = append(lines, s.Subtle.Render("  "+none))
		}
		maxN := 0
		for _, f := range sec.figs {
			maxN = max(maxN, f.count)
		}
		maxDays := 30
		for _, f := range sec.figs {
			maxDays = max(maxDays, f.days)
		}
		for _, f := range sec.figs {
			lines = append(lines, m.figureLine(f, idx == m.overview.cursor, colW, maxN, maxDays))
			idx++
		}
		if len(sec.figs) > 0 && sec.figs[0].cert {
			labelW := overviewLabelW(colW)
			trackW := max(6, colW-labelW-9)
			axis := strings.Repeat(" ", labelW+9) + "now" + strings.Repeat(" ", max(1, trackW-3-len(fmt.Sprint(maxDays))-1)) + fmt.Sprintf("%dd", maxDays)
			lines = append(lines, s.Subtle.Render(ansi.Truncate(axis, colW, "")))
		}
		return lines
	}
	var left, right []string
	for i, sec := range secs {
		block := render(sec)
		if i < 2 || !twoCols {
			if len(left) > 0 {
				left = append(left, "")
			}
			left = append(left, block...)
		} else {
			if len(right) > 0 {
				right = append(right, "")
			}
			right = append(right, block...)
		}
	}
	body := left
	if twoCols {
		body = nil
		for i := 0; i < max(len(left), len(right)); i++ {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			body = append(body, fit(l, colW)+"   "+r)
		}
	}
	// Keep the cursor's line on screen in a short terminal.
	room := max(1, m.bodyHeight()-2)
	if len(body) > room {
		at := 0
		for i, l := range body {
			if strings.Contains(l, "▸") {
				at = i
				break
			}
		}
		start := max(0, min(at-room/2, len(body)-room))
		body = body[start : start+room]
	}
	return " " + strings.Join(append([]string{head, ""}, body...), "\n ")
}

// figureLine is one row of a chart: label, count and a bar scaled to the
// section's largest count; a certificate row puts a dot on a timeline.
func (m Model) figureLine(f figure, sel bool, colW, maxN, maxDays int) string {
	s := m.styles
	mark := "  "
	if sel {
		mark = "▸ "
	}
	labelW := overviewLabelW(colW)
	if f.cert {
		trackW := max(6, colW-labelW-9)
		pos := max(0, min(trackW-1, f.days*(trackW-1)/max(1, maxDays)))
		track := s.Subtle.Render(strings.Repeat("─", pos)) + f.style.Render("●") + s.Subtle.Render(strings.Repeat("─", trackW-1-pos))
		days := fmt.Sprintf("%5dd ", f.days)
		if f.days < 0 {
			days = "expired"
		}
		line := mark + fit(f.label, labelW) + f.style.Render(days) + track
		if sel {
			return s.Selected.Render(ansi.Strip(line))
		}
		return line
	}
	barW := max(4, colW-labelW-8)
	n := 0
	if f.count > 0 {
		n = max(1, (f.count*barW+maxN-1)/max(1, maxN))
	}
	label := fit(f.label, labelW)
	count := fmt.Sprintf("%4d ", f.count)
	if sel {
		return s.Selected.Render(mark+label+count) + f.style.Render(strings.Repeat("█", n))
	}
	return mark + f.style.Render(label) + count + f.style.Render(strings.Repeat("█", n))
}

// lastCheckText is when the most recent check ran, and the oldest one.
func (m Model) lastCheckText() string {
	var last time.Time
	n := 0
	for _, a := range m.file.Vault.Accounts {
		if c := a.LastCheck; c != nil {
			n++
			if c.At.After(last) {
				last = c.At
			}
		}
	}
	if n == 0 {
		return "no account checked yet — C checks them all"
	}
	return fmt.Sprintf("last check %s (%s) · %s of %d checked", stamp(last), ago(m.now(), last), fmt.Sprint(n), len(m.file.Vault.Accounts))
}

// overviewLabelW is the width of a figure's label in a column colW wide:
// room for "✗ insecure refused" when there is room at all.
func overviewLabelW(colW int) int { return max(8, min(18, colW/2-3)) }
