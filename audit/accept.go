package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Accept records that kind is accepted for a: its findings stop showing
// until until (nil: until withdrawn with Unaccept). It replaces an earlier
// acceptance of the same kind.
func Accept(a *vault.Account, kind Kind, note string, until *time.Time, now time.Time) error {
	k, err := ParseKind(string(kind))
	if err != nil {
		return err
	}
	if until != nil && !until.After(now) {
		return fmt.Errorf("accept %s on %s: the until date %s is not in the future", k, a.Name, day(*until))
	}
	acc := vault.Acceptance{Kind: string(k), Note: strings.TrimSpace(note), At: now}
	if until != nil {
		u := *until
		acc.Until = &u
	}
	Unaccept(a, k)
	a.Accepted = append(a.Accepted, acc)
	return nil
}

// Unaccept withdraws the acceptance of kind on a and reports whether there
// was one.
func Unaccept(a *vault.Account, kind Kind) bool {
	kept := a.Accepted[:0]
	for _, acc := range a.Accepted {
		if acc.Kind != string(kind) {
			kept = append(kept, acc)
		}
	}
	removed := len(kept) != len(a.Accepted)
	if len(kept) == 0 {
		kept = nil
	}
	a.Accepted = kept
	return removed
}

// AcceptedEntry is one acceptance with the name of its account.
type AcceptedEntry struct {
	Account string
	vault.Acceptance
}

// ListAccepted lists the acceptances still in force at now, by account
// name then kind; expired ones no longer hide anything, so they are left out.
func ListAccepted(v *vault.Vault, now time.Time) []AcceptedEntry {
	var out []AcceptedEntry
	for _, a := range v.Accounts {
		for _, acc := range a.Accepted {
			if acc.Active(now) {
				out = append(out, AcceptedEntry{Account: a.Name, Acceptance: acc})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if li, lj := strings.ToLower(out[i].Account), strings.ToLower(out[j].Account); li != lj {
			return li < lj
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// activeAcceptance is a's acceptance of kind in force at now, or nil.
func activeAcceptance(a *vault.Account, kind Kind, now time.Time) *vault.Acceptance {
	if a == nil {
		return nil
	}
	for i := range a.Accepted {
		if a.Accepted[i].Kind == string(kind) && a.Accepted[i].Active(now) {
			acc := a.Accepted[i]
			return &acc
		}
	}
	return nil
}
