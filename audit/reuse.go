package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Group is the set of accounts that share one current password, as a
// reused finding carries it (`audit --json`: "group": {"id", "size"}), so
// a script can act on a whole group at once.
type Group struct {
	// ID is the same for every account of the group and from one run to
	// the next: an HMAC of the password under the vault's own secret
	// StrengthKey, so it says nothing about the password. Empty when the
	// vault has no key yet (audit gives it one when it scores).
	ID   string `json:"id,omitempty"`
	Size int    `json:"size"` // accounts in the group, this one included
}

// groupIDLabel separates group ids from the strength fingerprints made
// under the same key.
const groupIDLabel = "imapvault/reuse-group/v1"

// groupID is HMAC-SHA256(key, label, password), length-prefixed like the
// fingerprints, cut to 128 bits.
func groupID(key []byte, pw string) string {
	if key == nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	var buf []byte
	for _, s := range [...]string{groupIDLabel, pw} {
		buf = binary.BigEndian.AppendUint64(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	m.Write(buf)
	clear(buf) // it held the password
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// reuseGroup is everything about one current password: the accounts on
// it and the accounts that retired it, each sorted by name once.
type reuseGroup struct {
	users   []*vault.Account
	retired []*vault.Account
	ref     *Group
}

// namesShown is how many other accounts a reused finding names.
const namesShown = 5

// reusedFindings: the same password on several accounts (one finding per
// account, naming a few of the others and how many there are), an account
// back on one of its own old passwords, or on a password another account
// retired (low: that one is no longer in use there, but whoever knew it
// there can still use it here).
//
// Each group is sorted by name once and every account's finding names the
// first others of that order, so the check is O(n log n) whatever the
// group sizes; walking the group for each account was O(g²): a minute for
// 20,000 accounts on one default password.
func reusedFindings(v *vault.Vault) []Finding {
	groups := make(map[string]*reuseGroup)
	for _, a := range v.Accounts {
		if a.Password != "" && !a.IsOAuth2() {
			g := groups[a.Password]
			if g == nil {
				g = &reuseGroup{}
				groups[a.Password] = g
			}
			g.users = append(g.users, a)
			step(1)
		}
	}
	for _, a := range v.Accounts {
		for _, h := range a.History {
			step(1)
			if g := groups[h.Password]; g != nil {
				if l := g.retired; len(l) == 0 || l[len(l)-1] != a {
					g.retired = append(l, a)
				}
			}
		}
	}
	key := strengthKey(v)
	byName := func(x, y *vault.Account) int {
		step(1)
		return strings.Compare(x.Name, y.Name)
	}
	for pw, g := range groups {
		if len(g.users) > 1 {
			slices.SortFunc(g.users, byName)
			g.ref = &Group{ID: groupID(key, pw), Size: len(g.users)}
		}
		slices.SortFunc(g.retired, byName)
	}
	var out []Finding
	for _, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() {
			continue
		}
		g := groups[a.Password]
		var parts []string
		sev := Medium
		if len(g.users) > 1 {
			parts = append(parts, sharedWith(g.users, a))
			sev = High
		}
		own := ownReuse(a)
		if own != nil {
			parts = append(parts, fmt.Sprintf("this account used this password before (retired %s)", day(own.Retired)))
		}
		// a is among those who retired its password exactly when its own
		// history holds it.
		formerly := len(g.retired)
		if own != nil {
			formerly--
		}
		if formerly > 0 {
			parts = append(parts, "it is a retired password of "+
				nameCount(othersFirst(g.retired, a, namesShown), formerly, namesShown))
			if len(parts) == 1 {
				sev = Low
			}
		}
		if len(parts) == 0 {
			continue
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Reused, Severity: sev, Group: g.ref,
			Message: fmt.Sprintf("%s%s: give it a password of its own with %s", strings.Join(parts, ", and "), pendingNote(a), rotateCmd(a))})
	}
	return out
}

// sharedWith says who else has a's password: every name when they are a
// few, else how many and the first few of them.
func sharedWith(users []*vault.Account, a *vault.Account) string {
	others := len(users) - 1
	if others <= namesShown {
		return "the same password is used by " + strings.Join(othersFirst(users, a, namesShown), ", ")
	}
	return fmt.Sprintf("the same password is shared with %s other accounts, e.g. %s",
		thousands(others), strings.Join(othersFirst(users, a, 3), ", "))
}

// othersFirst names the first max accounts of sorted other than a.
func othersFirst(sorted []*vault.Account, a *vault.Account, max int) []string {
	var names []string
	for _, o := range sorted {
		if len(names) == max {
			break
		}
		step(1)
		if o != a {
			names = append(names, o.Name)
		}
	}
	return names
}

// nameCount is nameList for a list of total names of which first are the
// first ones in order.
func nameCount(first []string, total, max int) string {
	if total > max {
		return fmt.Sprintf("%s and %d more", strings.Join(first[:max], ", "), total-max)
	}
	return strings.Join(first, ", ")
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func ownReuse(a *vault.Account) *vault.RetiredPassword {
	for i := len(a.History) - 1; i >= 0; i-- {
		if a.History[i].Password == a.Password {
			return &a.History[i]
		}
	}
	return nil
}
