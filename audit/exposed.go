package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// exposedFindings: a recipient removed after the password was set could
// have read it while they still had access.
//
// The removed recipients are sorted by when they lost access once, so the
// ones who could read a password set at t are the tail after t: a binary
// search per account, with the first names of every tail worked out once
// from the end. O((n + r) log r) for n accounts and r removed recipients,
// not n·r.
func exposedFindings(v *vault.Vault) []Finding {
	var removed []vault.Recipient
	for _, r := range v.Recipients {
		step(1)
		if r.Removed != nil {
			removed = append(removed, r)
		}
	}
	if len(removed) == 0 {
		return nil
	}
	slices.SortStableFunc(removed, func(x, y vault.Recipient) int {
		step(1)
		return x.Removed.Compare(*y.Removed)
	})
	// tails[i] is the first names, sorted, of removed[i:].
	tails := make([][]string, len(removed)+1)
	for i := len(removed) - 1; i >= 0; i-- {
		step(namesShown)
		tails[i] = insertSorted(tails[i+1], recipientName(removed[i]), namesShown)
	}
	last := *removed[len(removed)-1].Removed // the latest removal of every tail
	var out []Finding
	for _, a := range v.Accounts {
		if a.Password == "" {
			continue
		}
		set := setAt(a)
		from := 0
		if !set.IsZero() {
			from = sort.Search(len(removed), func(i int) bool {
				step(1)
				return removed[i].Removed.After(set)
			})
		}
		if from == len(removed) {
			continue
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Exposed, Severity: High,
			Message: fmt.Sprintf("%s lost access on %s but could read this password, which has not changed since%s: rotate it with %s",
				nameCount(tails[from], len(removed)-from, namesShown), day(last), pendingNote(a), rotateCmd(a))})
	}
	return out
}

// insertSorted is a copy of sorted with s in its place, cut to max.
func insertSorted(sorted []string, s string, max int) []string {
	i, _ := slices.BinarySearch(sorted, s)
	out := make([]string, 0, min(len(sorted)+1, max))
	out = append(out, sorted[:min(i, max)]...)
	if i < max {
		out = append(out, s)
	}
	for _, t := range sorted[i:] {
		if len(out) == max {
			break
		}
		out = append(out, t)
	}
	return out
}

// ExposedTo names the accounts (sorted) whose current password the removed
// recipients with the given keys could read: set before their removal and
// not changed since. Other removals don't count, unlike the exposed
// findings, which name everyone.
func ExposedTo(v *vault.Vault, keys []string) []string {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	// A password set before any of their removals was readable: only the
	// latest removal matters.
	var latest *time.Time
	for _, r := range v.Recipients {
		step(1)
		if r.Removed != nil && want[r.Key] && (latest == nil || r.Removed.After(*latest)) {
			latest = r.Removed
		}
	}
	if latest == nil {
		return nil
	}
	type named struct{ name, lower string }
	var found []named
	for _, a := range v.Accounts {
		step(1)
		if a.Password == "" || a.IsOAuth2() {
			continue
		}
		if set := setAt(a); set.IsZero() || latest.After(set) {
			found = append(found, named{a.Name, strings.ToLower(a.Name)})
		}
	}
	slices.SortStableFunc(found, func(x, y named) int {
		step(1)
		return strings.Compare(x.lower, y.lower)
	})
	var names []string
	for _, f := range found {
		names = append(names, f.name)
	}
	return names
}
