package importers

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Action is what an import does with one account.
type Action string

const (
	Add       Action = "add"
	Update    Action = "update"
	Unchanged Action = "unchanged" // already there, nothing to update
	Present   Action = "skip"      // already there; --update not given
	Duplicate Action = "duplicate" // the same account twice in the source
	// Joined: a sending half (msmtp) joined to an account this import adds.
	Joined Action = "joined"
	// Unmatched: a sending half with no account to join (the vault's
	// accounts are IMAP first; an SMTP server alone is not one).
	Unmatched Action = "unmatched"
	// Held: not imported because its password needs a command or file
	// and nobody agreed to run or read it (set by the caller).
	Held Action = "held"
)

// Step is one account's fate in an import.
type Step struct {
	Account Account
	Action  Action
	// Name is the vault name: the new account's (made unique) or the
	// existing one's.
	Name string
	// Changes lists the fields an update changes ("security", "password",
	// "smtp", "address").
	Changes []string
	// Note says why a sending half is unmatched, or what was not taken.
	Note string
}

// WantsSecret reports whether the step's password command or file is to be
// run or read: for an account being added, or, with --update, for one in
// the vault (to see whether its password changed). A password already
// known, or one the step has no use for, wants nothing.
func (st Step) WantsSecret(update bool) bool {
	a := st.Account
	if a.Password != "" || a.OAuth2 || (a.PassCmd == "" && a.PassFile == "") {
		return false
	}
	switch st.Action {
	case Add:
		return true
	case Update, Unchanged:
		return update
	}
	return false
}

// planner is one Plan's indexes: every lookup is a map, so planning m
// accounts against a vault of n costs n+m.
type planner struct {
	update bool
	byKey  map[string]*vault.Account
	names  map[string]bool
	seen   map[string]string // key -> vault name, for duplicates
	// byAddr and byLogin find the accounts a sending half may belong to.
	byAddr, byLogin map[string][]cand
}

// cand is an account a sending half may join: one in the vault (acct), or
// one this import adds (step >= 0).
type cand struct {
	acct *vault.Account
	step int
}

// Plan matches accounts against the vault by host, port and username and
// says what an import would do; sending halves are joined to the account
// they belong to (planSending). It does not change v.
func Plan(v *vault.Vault, accts []Account, update bool) []Step {
	p := &planner{update: update,
		byKey: make(map[string]*vault.Account, len(v.Accounts)), names: make(map[string]bool, len(v.Accounts)+len(accts)),
		seen: map[string]string{}, byAddr: map[string][]cand{}, byLogin: map[string][]cand{}}
	for _, a := range v.Accounts {
		p.byKey[Key(a.Host, a.Port, a.Username)] = a
		p.names[vault.NameKey(a.Name)] = true
		p.index(cand{acct: a, step: -1}, a.Address, a.Username, a.SMTPUsername())
	}
	steps := make([]Step, len(accts))
	var sending []int
	for i, a := range accts {
		if a.SendOnly {
			sending = append(sending, i)
			continue
		}
		steps[i] = p.imap(a)
		if steps[i].Action == Add {
			smtpUser := ""
			if a.SMTP != nil {
				smtpUser = a.SMTP.Username
			}
			p.index(cand{step: i}, a.Address, a.Username, smtpUser)
		}
	}
	for _, i := range sending {
		steps[i] = p.sending(steps, accts[i])
	}
	return steps
}

func (p *planner) index(c cand, addr string, logins ...string) {
	if addr != "" {
		k := strings.ToLower(addr)
		p.byAddr[k] = append(p.byAddr[k], c)
	}
	done := map[string]bool{}
	for _, l := range logins {
		if k := strings.ToLower(l); l != "" && !done[k] {
			done[k] = true
			p.byLogin[k] = append(p.byLogin[k], c)
		}
	}
}

// imap plans one IMAP account.
func (p *planner) imap(a Account) Step {
	k := Key(a.Host, a.Port, a.Username)
	if first, dup := p.seen[k]; dup {
		return Step{Account: a, Action: Duplicate, Name: first}
	}
	if old := p.byKey[k]; old != nil {
		p.seen[k] = old.Name
		st := Step{Account: a, Name: old.Name, Action: Present}
		if p.update {
			if a.Security != "" && a.Security != old.Security {
				st.Changes = append(st.Changes, "security")
			}
			if a.Password != "" && a.Password != old.Password {
				st.Changes = append(st.Changes, "password")
			}
			st.Changes = append(st.Changes, sendingChanges(old, a.SMTP, a.Address)...)
			st.Action = Unchanged
			if len(st.Changes) > 0 {
				st.Action = Update
			}
		}
		return st
	}
	name := uniqueName(a.Name, p.names)
	p.names[vault.NameKey(name)] = true
	p.seen[k] = name
	return Step{Account: a, Action: Add, Name: name}
}

// sendingChanges lists "smtp" and "address" when the source's differ from
// old's (a source that names neither changes neither).
func sendingChanges(old *vault.Account, e *vault.Endpoint, addr string) []string {
	var out []string
	if e != nil && (old.SMTP == nil || *endpointFor(old.Username, e) != *old.SMTP) {
		out = append(out, "smtp")
	}
	if addr != "" && !strings.EqualFold(addr, old.Address) {
		out = append(out, "address")
	}
	return out
}

// endpointFor is e as an account with IMAP login user keeps it: its own
// username only when it differs.
func endpointFor(user string, e *vault.Endpoint) *vault.Endpoint {
	c := *e
	if c.Username == user {
		c.Username = ""
	}
	if c.Security == "" {
		c.Security = vault.TLS
	}
	if c.Port == 0 {
		c.Port = vault.SMTPDefaultPort(c.Security)
	}
	return &c
}

func uniqueName(name string, taken map[string]bool) string {
	if !taken[vault.NameKey(name)] {
		return name
	}
	for i := 2; ; i++ {
		n := name + "-" + strconv.Itoa(i)
		if !taken[vault.NameKey(n)] {
			return n
		}
	}
}

// Apply carries out a plan on v: new accounts are added, updates change
// security, password, SMTP endpoint and address (the old password goes to
// history, as with any edit). An imported password is dated changed (when
// the source last changed, as far as the caller knows; zero or later than
// now is now), never before the password it replaces. It validates every
// step first and changes nothing if one fails.
func Apply(v *vault.Vault, steps []Step, now, changed time.Time) error {
	if changed.IsZero() || changed.After(now) {
		changed = now
	}
	var adds []*vault.Account
	var byName map[string]*vault.Account
	for _, st := range steps {
		switch st.Action {
		case Add:
			a := &vault.Account{
				Name: st.Name, Host: st.Account.Host, Port: st.Account.Port,
				Security: st.Account.Security, Username: st.Account.Username,
				Password: st.Account.Password, Address: st.Account.Address,
			}
			if e := st.Account.SMTP; e != nil {
				a.SMTP = endpointFor(a.Username, e)
			}
			if a.Password != "" {
				a.Changed = changed
			}
			if err := vault.Validate(a); err != nil {
				return fmt.Errorf("%s: account %q: %w", st.Account.Where, st.Name, err)
			}
			adds = append(adds, a)
		case Update:
			if byName == nil {
				byName = make(map[string]*vault.Account, len(v.Accounts))
				for _, a := range v.Accounts {
					byName[vault.NameKey(a.Name)] = a
				}
			}
			old := byName[vault.NameKey(st.Name)]
			if old == nil {
				return fmt.Errorf("%s: account %q vanished from the vault", st.Account.Where, st.Name)
			}
			tmp := *old
			tmp.History = nil // a copy to validate; old's history is not touched
			updated(&tmp, st, now, changed)
			if err := vault.Validate(&tmp); err != nil {
				return fmt.Errorf("%s: account %q: %w", st.Account.Where, st.Name, err)
			}
		}
	}
	if err := v.AddMany(adds, now); err != nil {
		return err
	}
	for _, st := range steps {
		if st.Action == Update {
			updated(byName[vault.NameKey(st.Name)], st, now, changed)
		}
	}
	return nil
}

// updated applies an update step's changes to a.
func updated(a *vault.Account, st Step, now, changed time.Time) {
	for _, c := range st.Changes {
		switch c {
		case "security":
			a.Security = st.Account.Security
		case "password":
			when := changed
			if when.Before(a.Changed) {
				when = a.Changed
			}
			a.SetPassword(st.Account.Password, when)
		case "smtp":
			a.SMTP = endpointFor(a.Username, st.Account.SMTP)
		case "address":
			a.Address = st.Account.Address
		}
	}
	a.Modified = now
}
