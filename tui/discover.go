package tui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/vault"
)

// discoverMsg is the answer of a discovery started from the add form.
type discoverMsg struct {
	address string
	r       *discover.Result
	err     error
}

// discoverCmd looks the address's servers up in the background: with
// Options.Discover, else in the built-in table only (no network).
func (m Model) discoverCmd(address string) tea.Cmd {
	find := m.opts.Discover
	if find == nil {
		find = func(ctx context.Context, a string) (*discover.Result, error) {
			return discover.Discover(ctx, a, discover.Options{Offline: true})
		}
	}
	return func() tea.Msg {
		r, err := find(context.Background(), address)
		return discoverMsg{address: address, r: r, err: err}
	}
}

// maybeDiscover starts a discovery when the person leaves the address
// field of a new account with an address typed and no host yet.
func (m *Model) maybeDiscover(left int) tea.Cmd {
	f := &m.form
	addr := strings.TrimSpace(f.inputs[fAddress].Value())
	if f.id != "" || left != fAddress || addr == "" || f.inputs[fHost].Value() != "" || addr == f.discovering {
		return nil
	}
	f.discovering, f.found = addr, nil
	f.note, f.noteWarn = "looking up the servers of "+safe(addr)+"...", false
	return m.discoverCmd(addr)
}

// onDiscovered fills the fields still empty from what was found. What
// rests on DNS (MX, SRV) is said in a warning: saving is the person's yes.
func (m Model) onDiscovered(msg discoverMsg) (tea.Model, tea.Cmd) {
	f := &m.form
	if m.screen != scrForm || f.id != "" || msg.address != f.discovering {
		return m, nil // the form closed, or another address was typed meanwhile
	}
	if msg.err != nil {
		f.note, f.noteWarn = "no servers found: type them below ("+safe(firstClause(msg.err.Error()))+")", true
		return m, nil
	}
	r := msg.r
	f.found = r
	fill := func(i int, v string) {
		if f.inputs[i].Value() == "" {
			f.inputs[i].SetValue(v)
		}
	}
	fill(fName, r.Address)
	fill(fHost, r.IMAP.Host)
	if f.inputs[fPort].Value() == "" {
		f.inputs[fSecurity].SetValue(string(r.IMAP.Security))
		f.setPortHint()
		f.inputs[fPort].SetValue(strconv.Itoa(r.IMAP.Port))
	}
	fill(fUser, r.IMAP.Username)
	f.dirty = true
	note := fmt.Sprintf("found by %s: %s %s", r.Source, r.IMAP.Addr(), r.IMAP.Security)
	if r.SMTP != nil {
		note += fmt.Sprintf(" — smtp %s %s", r.SMTP.Addr(), r.SMTP.Security)
	}
	if r.Hint != "" {
		note += " — " + r.Hint
	}
	f.note, f.noteWarn = safe(note), false
	if r.Confirm {
		f.note, f.noteWarn = safe(note+" — check before saving: "+r.Why), true
	}
	return m, nil
}

// foundSMTP is the SMTP endpoint discovery found for the account as the
// form now says, or nil (none found, or the host was changed since).
func (f *formState) foundSMTP(host string) *vault.Endpoint {
	r := f.found
	if r == nil || r.SMTP == nil || host != r.IMAP.Host {
		return nil
	}
	e := &vault.Endpoint{Host: r.SMTP.Host, Port: r.SMTP.Port, Security: r.SMTP.Security}
	if r.SMTP.Username != r.IMAP.Username {
		e.Username = r.SMTP.Username
	}
	return e
}

// firstClause is an error up to its first ";" (a NotFoundError lists
// every source after it, too long for the form).
func firstClause(s string) string {
	s, _, _ = strings.Cut(s, ";")
	return s
}
