package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/internal/zxcvbn"
	"github.com/imapvault/imapvault/vault"
)

// Form fields, in tab order.
const (
	fAddress = iota
	fName
	fHost
	fSecurity
	fPort
	fUser
	fPassword
	fTags
	fNotes
	fieldCount
)

var fieldLabels = [fieldCount]string{"address", "name", "host", "security", "port", "username", "password", "tags", "notes"}

// formState adds or edits one account. The password field starts empty
// when editing (empty keeps the current password), so the password is
// never put on screen, even masked.
type formState struct {
	id      string // "" adds a new account
	inputs  [fieldCount]textInput
	focused int
	err     string
	score   int // zxcvbn score of the password field, -1 when empty
	dirty   bool
	warned  bool           // esc once on a changed form: the next esc discards
	lastSec vault.Security // the security the port hint was made for
	// orig and shown are an edited account's stored values and what the
	// fields show of them (escaped when they hold controls); a field left
	// as shown keeps its stored value exactly.
	orig, shown [fieldCount]string
	// discovering is the address looked up last (discover.go), found what
	// came back, note what the form says of it.
	discovering string
	found       *discover.Result
	note        string
	noteWarn    bool
}

// setStored fills field i with a stored value, escaped for the screen.
func (f *formState) setStored(i int, v string) {
	f.orig[i], f.shown[i] = v, safe(v)
	f.inputs[i].SetValue(f.shown[i])
	f.shown[i] = f.inputs[i].Value() // as the field holds it
}

func (m Model) openForm(id string) (tea.Model, tea.Cmd) {
	f := formState{id: id, score: -1}
	for i := range f.inputs {
		in := newTextInput("")
		in.Prompt = ""
		in.SetWidth(max(20, min(60, m.width-20)))
		f.inputs[i] = in
	}
	f.inputs[fTags].Placeholder = "comma separated"
	masked(&f.inputs[fPassword])
	if a := m.account(id); a != nil {
		f.setStored(fAddress, a.Address)
		f.setStored(fName, a.Name)
		f.setStored(fHost, a.Host)
		f.setStored(fSecurity, string(a.SecurityOrDefault()))
		f.setStored(fPort, strconv.Itoa(a.Port))
		f.setStored(fUser, a.Username)
		f.setStored(fTags, strings.Join(a.Tags, ", "))
		f.setStored(fNotes, a.Notes)
		f.inputs[fPassword].Placeholder = "unchanged — type to set a new one"
		f.focused = fName // an edit starts at the name; the address is one shift+tab up
	} else {
		f.inputs[fSecurity].SetValue("tls")
		f.inputs[fAddress].Placeholder = "you@example.com, then tab: the servers are looked up"
	}
	f.setPortHint()
	m.form = f
	m.screen = scrForm
	return m, m.form.focus()
}

func (f *formState) focus() tea.Cmd {
	for i := range f.inputs {
		f.inputs[i].Blur()
	}
	return f.inputs[f.focused].Focus()
}

// setPortHint shows the default port of the chosen security, and drops a
// port that was only the old security's default, so tls -> starttls moves
// 993 to 143 instead of keeping a port that no longer fits.
func (f *formState) setPortHint() {
	sec, err := vault.ParseSecurity(f.inputs[fSecurity].Value())
	if err != nil {
		f.inputs[fPort].Placeholder = ""
		return
	}
	if f.lastSec != "" && f.lastSec != sec && f.inputs[fPort].Value() == strconv.Itoa(f.lastSec.DefaultPort()) {
		f.inputs[fPort].Reset()
	}
	f.lastSec = sec
	f.inputs[fPort].Placeholder = fmt.Sprintf("%d (default for %s)", sec.DefaultPort(), sec)
}

// update passes pastes (and anything else that is not a key) to the
// focused field.
func (f formState) update(msg tea.Msg) (formState, tea.Cmd) {
	if f.focused == fSecurity {
		return f, nil // a choice: nothing to paste into
	}
	before := f.inputs[f.focused].Value()
	var cmd tea.Cmd
	f.inputs[f.focused], cmd = f.inputs[f.focused].Update(msg)
	f.changed(before)
	return f, cmd
}

// changed notes an edit of the focused field and refreshes what depends on it.
func (f *formState) changed(before string) {
	after := f.inputs[f.focused].Value()
	if after == before {
		return
	}
	f.dirty, f.warned, f.err = true, false, ""
	switch f.focused {
	case fSecurity:
		f.setPortHint()
	case fPassword:
		f.score = strength(after)
	}
}

func (m Model) formHelp() []key.Binding {
	k := m.keys
	if m.form.focused == fSecurity {
		return []key.Binding{m.chooseKey(), k.NextField, k.PrevField, k.Save, withHelp(k.Back, "cancel")}
	}
	return []key.Binding{k.NextField, k.PrevField, k.Save, withHelp(k.Back, "cancel")}
}

func (m Model) formKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.form
	switch msg.String() {
	case "esc":
		if f.dirty && !f.warned {
			f.warned = true
			f.err = "unsaved changes — esc again discards them, ctrl+s saves"
			return m, nil
		}
		m.form = formState{}
		m.screen = m.formReturn()
		return m, nil
	case "tab", "down":
		left := f.focused
		f.focused = (f.focused + 1) % fieldCount
		return m, tea.Batch(f.focus(), m.maybeDiscover(left))
	case "shift+tab", "up":
		f.focused = (f.focused + fieldCount - 1) % fieldCount
		return m, f.focus()
	case "ctrl+s":
		return m.submitForm()
	case "enter":
		if f.focused == fieldCount-1 {
			return m.submitForm()
		}
		left := f.focused
		f.focused++
		return m, tea.Batch(f.focus(), m.maybeDiscover(left))
	}
	if f.focused == fSecurity {
		return m.securityKey(msg)
	}
	before := f.inputs[f.focused].Value()
	var cmd tea.Cmd
	f.inputs[f.focused], cmd = f.inputs[f.focused].Update(msg)
	f.changed(before)
	return m, cmd
}

// formReturn is where a closed form goes: the detail of the edited
// account, or the list.
func (m Model) formReturn() screen {
	if m.detail.id != "" && m.detail.id == m.form.id {
		return scrDetail
	}
	return scrList
}

// submitForm validates and applies the form to the vault in memory, then
// saves at once. A validation error keeps the form as typed; a failed save
// keeps the change in memory and says so in the status line.
func (m Model) submitForm() (tea.Model, tea.Cmd) {
	f := &m.form
	val := func(i int) string {
		if v := f.inputs[i].Value(); f.id == "" || v != f.shown[i] {
			return strings.TrimSpace(v)
		}
		return strings.TrimSpace(f.orig[i])
	}
	fail := func(field int, msg string) (tea.Model, tea.Cmd) {
		f.err = msg
		f.focused = field
		return m, f.focus()
	}
	sec, err := vault.ParseSecurity(val(fSecurity))
	if err != nil {
		return fail(fSecurity, err.Error())
	}
	port := 0
	if p := val(fPort); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return fail(fPort, "port must be a number from 1 to 65535")
		}
	}
	pw := f.inputs[fPassword].Value()
	if err := vault.CheckPassword(pw); err != nil {
		return fail(fPassword, err.Error())
	}
	var tags []string
	for _, t := range strings.Split(val(fTags), ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	now := m.now()
	a := &vault.Account{Name: val(fName), Host: val(fHost), Port: port, Security: sec,
		Username: val(fUser), Tags: tags, Notes: val(fNotes), Address: val(fAddress)}
	if err := vault.Validate(a); err != nil {
		return fail(fieldOf(err), strings.TrimPrefix(err.Error(), vault.ErrInvalidAccount.Error()+": "))
	}
	if other := m.file.Vault.Find(a.Name); other != nil && other.ID != f.id {
		return fail(fName, fmt.Sprintf("an account named %q already exists", a.Name))
	}
	var id string
	if f.id == "" {
		if pw == "" {
			return fail(fPassword, "password is required")
		}
		a.Password = pw
		a.SMTP = f.foundSMTP(a.Host)
		if err := m.file.Vault.Add(a, now); err != nil {
			return fail(fName, err.Error())
		}
		id = a.ID
		m.setStatus("added "+a.Name, false)
	} else {
		id = f.id
		if m.editAccount(id, func(c *vault.Account) {
			c.Name, c.Host, c.Port, c.Security, c.Username, c.Address = a.Name, a.Host, a.Port, a.Security, a.Username, a.Address
			c.Tags, c.Notes, c.Modified = a.Tags, a.Notes, now
			if pw != "" {
				c.SetPassword(pw, now)
			}
		}) == nil {
			return fail(fName, "the account was deleted meanwhile")
		}
		m.setStatus("saved "+a.Name, false)
	}
	back := m.formReturn()
	m.form = formState{}
	m.screen = back
	m.rebuildRows()
	m.list.selectID(id)
	m.list.scrollTo(m.visibleRows())
	return m, tea.Batch(m.requestSave(), m.runAudit())
}

// fieldOf points a validation error at its field.
func fieldOf(err error) int {
	msg := err.Error()
	for i, l := range fieldLabels {
		if strings.Contains(msg, l) {
			return i
		}
	}
	if errors.Is(err, vault.ErrInvalidAccount) && strings.Contains(msg, "security") {
		return fSecurity
	}
	return fName
}

// strength is the zxcvbn score of pw (0-4), -1 when empty. Only the first
// 256 characters count: zxcvbn gets slow on long input.
func strength(pw string) int {
	if pw == "" {
		return -1
	}
	if r := []rune(pw); len(r) > 256 {
		pw = string(r[:256])
	}
	return zxcvbn.PasswordStrength(pw, nil).Score
}

var strengthWords = [...]string{"very weak", "weak", "fair", "good", "strong"}

// strengthMeter draws a five-step bar with a word, so it reads without colour.
func strengthMeter(s Styles, score, width int) string {
	if score < 0 {
		return s.Subtle.Render("strength: —")
	}
	cells := max(5, width-20)
	filled := cells * (score + 1) / 5
	st := s.Bad
	switch {
	case score >= 4:
		st = s.OK
	case score == 3:
		st = s.Info
	case score == 2:
		st = s.Warn
	}
	return "strength: " + bar(st, s.Subtle, float64(filled)/float64(cells), cells) + " " + st.Render(strengthWords[score])
}

func (m Model) viewForm() string {
	s, f := m.styles, m.form
	title := "Add account"
	if f.id != "" {
		if a := m.account(f.id); a != nil {
			title = "Edit " + safe(a.Name)
		}
	}
	lines := []string{s.Title.Render(title), ""}
	for i := range f.inputs {
		label := fmt.Sprintf("%-10s", fieldLabels[i])
		if i == f.focused {
			label = s.Key.Render("▸ " + label)
		} else {
			label = s.Label.Render("  " + label)
		}
		if i == fSecurity {
			lines = append(lines, label+" "+m.viewSecurity(i == f.focused))
		} else {
			lines = append(lines, label+" "+f.inputs[i].View())
		}
		if i == fAddress && f.note != "" {
			st := s.Subtle
			if f.noteWarn {
				st = s.Warn
			}
			// Each part on its own lines, wrapped to the screen: a long
			// reason must neither widen the form nor lose the domain it
			// asks the person to check.
			for _, part := range strings.Split(f.note, " — ") {
				for _, l := range strings.Split(ansi.Wrap(part, max(20, m.width-16), " "), "\n") {
					lines = append(lines, strings.Repeat(" ", 13)+st.Render(l))
				}
			}
		}
		if i == fPassword {
			lines = append(lines, strings.Repeat(" ", 13)+strengthMeter(s, f.score, 40))
		}
	}
	if f.err != "" {
		lines = append(lines, "", s.Error.Render(f.err))
	}
	return lipgloss.NewStyle().Padding(0, 1).Render(strings.Join(lines, "\n"))
}
