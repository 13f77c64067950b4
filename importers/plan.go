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
)

// Step is one account's fate in an import.
type Step struct {
	Account Account
	Action  Action
	// Name is the vault name: the new account's (made unique) or the
	// existing one's.
	Name string
	// Changes lists the fields an update changes ("security", "password").
	Changes []string
}

// Plan matches accounts against the vault by host, port and username and
// says what an import would do. It does not change v.
func Plan(v *vault.Vault, accts []Account, update bool) []Step {
	byKey := map[string]*vault.Account{}
	names := map[string]bool{}
	for _, a := range v.Accounts {
		byKey[Key(a.Host, a.Port, a.Username)] = a
		names[strings.ToLower(a.Name)] = true
	}
	seen := map[string]string{}
	var steps []Step
	for _, a := range accts {
		k := Key(a.Host, a.Port, a.Username)
		if first, dup := seen[k]; dup {
			steps = append(steps, Step{Account: a, Action: Duplicate, Name: first})
			continue
		}
		if old := byKey[k]; old != nil {
			seen[k] = old.Name
			st := Step{Account: a, Name: old.Name, Action: Present}
			if update {
				if a.Security != "" && a.Security != old.Security {
					st.Changes = append(st.Changes, "security")
				}
				if a.Password != "" && a.Password != old.Password {
					st.Changes = append(st.Changes, "password")
				}
				st.Action = Unchanged
				if len(st.Changes) > 0 {
					st.Action = Update
				}
			}
			steps = append(steps, st)
			continue
		}
		name := uniqueName(a.Name, names)
		names[strings.ToLower(name)] = true
		seen[k] = name
		steps = append(steps, Step{Account: a, Action: Add, Name: name})
	}
	return steps
}

func uniqueName(name string, taken map[string]bool) string {
	if !taken[strings.ToLower(name)] {
		return name
	}
	for i := 2; ; i++ {
		n := name + "-" + strconv.Itoa(i)
		if !taken[strings.ToLower(n)] {
			return n
		}
	}
}

// Apply carries out a plan on v: new accounts are added, updates change
// security and password (the old password goes to history, as with any
// edit). It validates every step first and changes nothing if one fails.
func Apply(v *vault.Vault, steps []Step, now time.Time) error {
	adds := make([]*vault.Account, len(steps))
	for i, st := range steps {
		if st.Action != Add {
			continue
		}
		a := &vault.Account{
			Name: st.Name, Host: st.Account.Host, Port: st.Account.Port,
			Security: st.Account.Security, Username: st.Account.Username,
			Password: st.Account.Password, Address: st.Account.Address,
		}
		if e := st.Account.SMTP; e != nil {
			c := *e
			a.SMTP = &c
		}
		if err := vault.Validate(a); err != nil {
			return fmt.Errorf("%s: account %q: %w", st.Account.Where, st.Name, err)
		}
		adds[i] = a
	}
	for i, st := range steps {
		switch st.Action {
		case Add:
			if err := v.Add(adds[i], now); err != nil {
				return fmt.Errorf("%s: %w", st.Account.Where, err)
			}
		case Update:
			old := v.Find(st.Name)
			if old == nil {
				return fmt.Errorf("%s: account %q vanished from the vault", st.Account.Where, st.Name)
			}
			for _, c := range st.Changes {
				switch c {
				case "security":
					old.Security = st.Account.Security
					old.Modified = now
				case "password":
					old.SetPassword(st.Account.Password, now)
				}
			}
		}
	}
	return nil
}
