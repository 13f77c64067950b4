package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/vault"
)

// detailState is the account shown in full and how far it is scrolled.
type detailState struct {
	id     string
	offset int
}

func (m Model) openDetail(id string) (tea.Model, tea.Cmd) {
	m.detail = detailState{id: id}
	m.screen = scrDetail
	return m, nil
}

func (m Model) detailHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Back, withHelp(k.Down, "scroll"), k.Edit, k.Check, k.Copy, k.Reveal, k.Rotate, k.Delete, k.Help}
}

func (m Model) detailKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k, id := m.keys, m.detail.id
	if m.account(id) == nil {
		m.screen = scrList
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Back):
		m.screen = scrList
	case key.Matches(msg, k.Up):
		m.detail.offset = max(0, m.detail.offset-1)
	case key.Matches(msg, k.Down):
		m.detail.offset = min(m.detail.offset+1, max(0, len(m.detailLines())-m.bodyHeight()))
	case key.Matches(msg, k.Edit):
		return m.openForm(id)
	case key.Matches(msg, k.Delete):
		return m.askDelete(id)
	case key.Matches(msg, k.Check):
		return m.startCheck([]string{id})
	default:
		return m.sharedKey(msg)
	}
	return m, nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.Format("2006-01-02")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.Format("2006-01-02 15:04")
}

// viewDetail shows every field but the password, which appears only in
// the reveal banner while revealed.
func (m Model) viewDetail() string {
	lines := m.detailLines()
	off := min(m.detail.offset, max(0, len(lines)-1))
	return strings.Join(lines[off:], "\n")
}

func (m Model) detailLines() []string {
	a := m.account(m.detail.id)
	if a == nil {
		return []string{"account gone"}
	}
	s, now := m.styles, m.now()
	var lines []string
	add := func(label, value string) {
		lines = append(lines, s.Label.Render(fmt.Sprintf("%-16s", label))+value)
	}
	head := func(t string) { lines = append(lines, "", s.Title.Render(t)) }

	lines = append(lines, s.Title.Render(safe(a.Name)))
	add("account", safeAddr(a.Username, a.Host, a.Port))
	add("security", safe(string(a.Security)))
	if o := a.OAuth; a.IsOAuth2() && o != nil {
		add("auth", safe("oauth2, "+o.Provider+", client "+o.ClientID))
		used := "never used here"
		if !o.Refreshed.IsZero() {
			used = "last used " + stamp(o.Refreshed)
		}
		add("refresh token", "•••••••• ("+used+")")
	} else {
		add("password", "•••••••• (p reveals, y copies)")
	}
	add("changed", fmt.Sprintf("%s (%s ago; max age %d days)", day(a.Changed), shortDuration(now.Sub(a.Changed)), int(a.MaxAge(m.file.Vault.Settings).Hours()/24)))
	add("created", day(a.Created))
	add("modified", stamp(a.Modified))
	if len(a.Tags) > 0 {
		add("tags", strings.Join(safeWords(a.Tags), ", "))
	}
	if a.Notes != "" {
		add("notes", indentLines(safeText(a.Notes, 4000), 16))
	}
	if p := a.Pending; p != nil {
		head("Rotation pending")
		add("state", safe(string(p.State)))
		add("started", stamp(p.Started))
		if p.Note != "" {
			add("note", safe(p.Note))
		}
	}
	head(fmt.Sprintf("History (%d retired)", len(a.History)))
	if len(a.History) == 0 {
		lines = append(lines, s.Subtle.Render("no earlier passwords"))
	}
	for i := len(a.History) - 1; i >= 0; i-- {
		h := a.History[i]
		lines = append(lines, fmt.Sprintf("retired %s  set %s  %s", day(h.Retired), day(h.Set), safe(h.Reason)))
	}
	lines = append(lines, m.checkLines(a)...)
	head("Findings")
	fs := m.audit.byAccount[a.ID]
	if len(fs) == 0 {
		lines = append(lines, s.Subtle.Render("none"))
	}
	for _, f := range fs {
		// Posture kinds (starttls_injection...) are wider than the column.
		label := fmt.Sprintf("%-8s %-12s", f.Severity, f.Kind)
		msg := ansi.Wordwrap(safe(f.Message), max(20, m.width-len(label)-2), "")
		lines = append(lines, m.sevStyle(f.Severity).Render(label)+" "+
			strings.ReplaceAll(msg, "\n", "\n"+strings.Repeat(" ", len(label)+1)))
	}
	return strings.Split(strings.Join(lines, "\n"), "\n") // one entry per screen line
}

// checkLines is the last check in full: outcome, timings, TLS, the
// server's words and capabilities.
func (m Model) checkLines(a *vault.Account) []string {
	s := m.styles
	c := a.LastCheck
	lines := []string{"", s.Title.Render("Last check")}
	add := func(label, value string) {
		lines = append(lines, s.Label.Render(fmt.Sprintf("%-16s", label))+value)
	}
	if c == nil {
		return append(lines, s.Subtle.Render("never checked — press c"))
	}
	icon, word := statusWord(c, false)
	add("status", m.statusStyle(c, false).Render(icon+" "+word)+" at "+stamp(c.At))
	if c.Code != "" {
		add("code", safe(c.Code))
	}
	if c.Error != "" {
		add("server said", safe(c.Error))
	}
	if c.Alert != "" {
		add("alert", safe(c.Alert))
	}
	if c.Greeting != "" {
		add("greeting", safe(c.Greeting))
	}
	add("timings", fmt.Sprintf("connect %dms · tls %dms · greeting %dms · login %dms · total %dms",
		c.ConnectMS, c.TLSMS, c.GreetingMS, c.LoginMS, c.LatencyMS))
	if t := c.TLS; t != nil {
		add("tls", safe(t.Version))
		add("certificate", safe(t.Subject))
		add("issuer", safe(t.Issuer))
		add("expires", fmt.Sprintf("%s (%d days left)", day(t.NotAfter), t.DaysLeft))
		if t.VerifyError != "" {
			add("not trusted", safe(t.VerifyError))
		}
	}
	if len(c.Capabilities) > 0 {
		add("capabilities", wrapWords(safeWords(c.Capabilities), max(20, m.width-18), 16))
	}
	if sc := c.SMTP; sc != nil && a.SMTP != nil {
		icon, word := statusWord(sc, false)
		add("smtp", m.statusStyle(sc, false).Render(icon+" "+word)+" · "+safe(a.SMTP.Addr())+fmt.Sprintf(" · %dms", sc.LatencyMS))
		if sc.Error != "" {
			add("smtp said", safe(sc.Error))
		}
		if t := sc.TLS; t != nil && !t.NotAfter.IsZero() {
			add("smtp cert", fmt.Sprintf("%s (%d days left)", day(t.NotAfter), t.DaysLeft))
		}
	}
	if p := c.Posture; p != nil {
		// The findings themselves are audit findings, listed below.
		what := "nothing found"
		if n := len(p.Findings); n > 0 {
			what = fmt.Sprintf("%d found (under Findings)", n)
		}
		add("posture", fmt.Sprintf("probed %s: %s", stamp(p.At), what))
	}
	return lines
}

// wrapWords joins words into lines of at most width cells, indenting
// continuation lines.
func wrapWords(words []string, width, indent int) string {
	var b strings.Builder
	n := 0
	for i, w := range words {
		if i > 0 && n+1+len(w) > width {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
