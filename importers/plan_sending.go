package importers

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/imapvault/imapvault/vault"
)

// sending plans a sending half (SendOnly): it joins the one account, in
// the vault or added by this import, that it belongs to. Rules, first hit
// wins: the same address; the same login at the same site (the SMTP host
// and the account's IMAP or SMTP host share their registrable domain) or
// a login that is an address; the address as the account's login. No
// account, or several at the first rule that finds any, leaves it
// unmatched with a note: an SMTP server alone is not a vault account.
func (p *planner) sending(steps []Step, a Account) Step {
	k := "smtp\x00" + Key(a.SMTP.Host, a.SMTP.Port, a.Username)
	if first, dup := p.seen[k]; dup {
		return Step{Account: a, Action: Duplicate, Name: first}
	}
	cands := p.match(steps, a)
	switch {
	case len(cands) == 0:
		return Step{Account: a, Action: Unmatched, Note: fmt.Sprintf(
			"no account in the vault or this import has its login or address: add its IMAP account first (imapvault add --address %s, or import its mail client), then import this again",
			orPlaceholder(a.Address))}
	case len(cands) > 1:
		var names []string
		for _, c := range cands {
			names = append(names, candName(steps, c))
		}
		return Step{Account: a, Action: Unmatched, Note: fmt.Sprintf(
			"it could belong to %s: give the right one its server with imapvault edit NAME --smtp-host %s --smtp-port %d --smtp-security %s",
			strings.Join(names, " or "), a.SMTP.Host, a.SMTP.Port, a.SMTP.Security)}
	}
	c := cands[0]
	if c.step >= 0 {
		return p.join(steps, c.step, a, k)
	}
	old := c.acct
	p.seen[k] = old.Name
	st := Step{Account: a, Name: old.Name, Action: Present}
	switch {
	case old.IsOAuth2() || a.OAuth2:
		st.Account.Password, st.Account.PassCmd = "", ""
	case old.Password != "":
		if a.Password != "" && a.Password != old.Password {
			st.Note = "its password differs from the vault's, which is kept (an account has one credential; imapvault edit changes it)"
		}
		st.Account.Password, st.Account.PassCmd = "", "" // the vault's stays
	}
	if !p.update {
		return st
	}
	st.Changes = sendingChanges(old, endpointFor(old.Username, withLogin(a)), a.Address)
	if st.Account.Password != "" {
		st.Changes = append(st.Changes, "password")
	}
	st.Action = Unchanged
	if len(st.Changes) > 0 {
		st.Action = Update
	}
	return st
}

// join fills the sending half into an account this import adds: what that
// account lacks (server, address, password source) comes from a.
func (p *planner) join(steps []Step, i int, a Account, k string) Step {
	t := &steps[i].Account
	if t.SMTP == nil {
		t.SMTP = endpointFor(t.Username, withLogin(a))
	}
	if t.Address == "" {
		t.Address = a.Address
	}
	if t.Password == "" && t.PassCmd == "" && t.PassFile == "" && !t.OAuth2 {
		t.Password, t.PassCmd = a.Password, a.PassCmd
	}
	p.seen[k] = steps[i].Name
	a.Password, a.PassCmd = "", "" // the joined account carries them now
	return Step{Account: a, Action: Joined, Name: steps[i].Name}
}

// withLogin is a's endpoint with its login as the endpoint's username.
func withLogin(a Account) *vault.Endpoint {
	e := *a.SMTP
	e.Username = a.Username
	return &e
}

// match finds the accounts a may belong to (see sending).
func (p *planner) match(steps []Step, a Account) []cand {
	if a.Address != "" {
		if cs := uniq(p.byAddr[strings.ToLower(a.Address)]); len(cs) > 0 {
			return cs
		}
	}
	if a.Username != "" {
		var cs []cand
		for _, c := range p.byLogin[strings.ToLower(a.Username)] {
			if strings.Contains(a.Username, "@") || sameSite(a.SMTP.Host, candHosts(steps, c)...) {
				cs = append(cs, c)
			}
		}
		if cs = uniq(cs); len(cs) > 0 {
			return cs
		}
	}
	if a.Address != "" {
		return uniq(p.byLogin[strings.ToLower(a.Address)])
	}
	return nil
}

func uniq(cs []cand) []cand {
	if len(cs) < 2 {
		return cs
	}
	seen := map[cand]bool{}
	out := cs[:0:0]
	for _, c := range cs {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

func candHosts(steps []Step, c cand) []string {
	if c.step >= 0 {
		a := steps[c.step].Account
		if a.SMTP != nil {
			return []string{a.Host, a.SMTP.Host}
		}
		return []string{a.Host}
	}
	if c.acct.SMTP != nil {
		return []string{c.acct.Host, c.acct.SMTP.Host}
	}
	return []string{c.acct.Host}
}

func candName(steps []Step, c cand) string {
	if c.step >= 0 {
		return strconv.Quote(steps[c.step].Name)
	}
	return strconv.Quote(c.acct.Name)
}

// sameSite reports whether host shares its registrable domain (eTLD+1)
// with one of others: smtp.example.org and imap.example.org do; IP
// addresses and single labels only when equal.
func sameSite(host string, others ...string) bool {
	site := func(h string) string {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if net.ParseIP(h) != nil {
			return h
		}
		if s, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
			return s
		}
		return h
	}
	s := site(host)
	for _, o := range others {
		if o != "" && site(o) == s {
			return true
		}
	}
	return false
}

func orPlaceholder(addr string) string {
	if addr == "" {
		return "ADDRESS"
	}
	return addr
}
