package audit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// The checks that relate accounts to each other were rewritten from a
// walk per account to a sort per group. The walks are kept here, as they
// were (with the one message the rewrite changed on purpose: a group of
// more than five others is counted, "shared with N other accounts, e.g.
// ..."), as the oracle the new code must agree with on random vaults.

func oracleReused(v *vault.Vault) []Finding {
	byPw := make(map[string][]*vault.Account)
	for _, a := range v.Accounts {
		if a.Password != "" && !a.IsOAuth2() {
			byPw[a.Password] = append(byPw[a.Password], a)
		}
	}
	retiredBy := make(map[string][]*vault.Account)
	for _, a := range v.Accounts {
		for _, h := range a.History {
			if _, current := byPw[h.Password]; current && h.Password != "" {
				if l := retiredBy[h.Password]; len(l) == 0 || l[len(l)-1] != a {
					retiredBy[h.Password] = append(l, a)
				}
			}
		}
	}
	var out []Finding
	for _, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() {
			continue
		}
		var parts []string
		sev := Medium
		if group := byPw[a.Password]; len(group) > 1 {
			var others []string
			for _, o := range group {
				if o != a {
					others = append(others, o.Name)
				}
			}
			sort.Strings(others)
			if len(others) > 5 {
				parts = append(parts, fmt.Sprintf("the same password is shared with %s other accounts, e.g. %s",
					thousands(len(others)), strings.Join(others[:3], ", ")))
			} else {
				parts = append(parts, "the same password is used by "+nameList(others, 5))
			}
			sev = High
		}
		if h := ownReuse(a); h != nil {
			parts = append(parts, fmt.Sprintf("this account used this password before (retired %s)", day(h.Retired)))
		}
		var formerly []string
		for _, o := range retiredBy[a.Password] {
			if o != a {
				formerly = append(formerly, o.Name)
			}
		}
		if len(formerly) > 0 {
			sort.Strings(formerly)
			parts = append(parts, "it is a retired password of "+nameList(formerly, 5))
			if len(parts) == 1 {
				sev = Low
			}
		}
		if len(parts) == 0 {
			continue
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Reused, Severity: sev,
			Message: fmt.Sprintf("%s%s: give it a password of its own with %s", strings.Join(parts, ", and "), pendingNote(a), rotateCmd(a))})
	}
	return out
}

func oracleExposed(v *vault.Vault) []Finding {
	var removed []vault.Recipient
	for _, r := range v.Recipients {
		if r.Removed != nil {
			removed = append(removed, r)
		}
	}
	if len(removed) == 0 {
		return nil
	}
	var out []Finding
	for _, a := range v.Accounts {
		if a.Password == "" {
			continue
		}
		set := setAt(a)
		var who []string
		var last time.Time
		for _, r := range removed {
			if set.IsZero() || r.Removed.After(set) {
				who = append(who, recipientName(r))
				if r.Removed.After(last) {
					last = *r.Removed
				}
			}
		}
		if len(who) == 0 {
			continue
		}
		sort.Strings(who)
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Exposed, Severity: High,
			Message: fmt.Sprintf("%s lost access on %s but could read this password, which has not changed since%s: rotate it with %s",
				nameList(who, 5), day(last), pendingNote(a), rotateCmd(a))})
	}
	return out
}

func oracleExposedTo(v *vault.Vault, keys []string) []string {
	var names []string
	for _, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() {
			continue
		}
		set := setAt(a)
		for _, r := range v.Recipients {
			if r.Removed != nil && slices.Contains(keys, r.Key) && (set.IsZero() || r.Removed.After(set)) {
				names = append(names, a.Name)
				break
			}
		}
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	return names
}

// randomVault mixes everything the relating checks look at: names that
// repeat and differ only in case, groups of every size, histories that
// hold an account's own and others' passwords, oauth2 and password-less
// accounts, unknown dates, pending rotations, removals on the same day.
func randomVault(seed uint64, n int) *vault.Vault {
	r := rand.New(rand.NewPCG(seed, 99))
	v := vault.New()
	pool := make([]string, 1+r.IntN(n/3+1))
	for i := range pool {
		pool[i] = fmt.Sprintf("pw-%d", i)
	}
	pick := func() string { // skewed: a few passwords on many accounts
		return pool[min(len(pool)-1, int(r.ExpFloat64()*float64(len(pool))/6))]
	}
	names := []string{"work", "Work", "home", "ops", "box", "a", "Z", "m"}
	for i := range n {
		a := &vault.Account{ID: fmt.Sprintf("id%d", i), Name: fmt.Sprintf("%s%d", names[r.IntN(len(names))], r.IntN(n/2+1)),
			Password: pick(), Changed: daysAgo(r.IntN(600))}
		switch r.IntN(12) {
		case 0:
			a.Password = ""
		case 1:
			a.Auth = vault.AuthOAuth2 // its Password is unused, set or not
			if r.IntN(2) == 0 {
				a.Password = ""
			}
		case 2:
			a.Changed = time.Time{}
			if r.IntN(2) == 0 {
				a.Created = daysAgo(r.IntN(900))
			}
		case 3:
			a.Pending = &vault.Pending{Password: "next", Started: daysAgo(r.IntN(9))}
		}
		for range r.IntN(4) {
			h := vault.RetiredPassword{Password: pick(), Retired: daysAgo(r.IntN(900))}
			if r.IntN(8) == 0 {
				h.Password = a.Password
			}
			a.History = append(a.History, h)
		}
		v.Accounts = append(v.Accounts, a)
	}
	for i := range r.IntN(30) {
		rc := vault.Recipient{Key: fmt.Sprintf("age1key%d", i), Label: names[r.IntN(len(names))], Added: daysAgo(1000)}
		if r.IntN(5) == 0 {
			rc.Label = ""
		}
		if r.IntN(3) > 0 {
			t := daysAgo(r.IntN(40) * 15) // removals often on the same day
			rc.Removed = &t
		}
		v.Recipients = append(v.Recipients, rc)
	}
	return v
}

func TestRelatingChecksAgreeWithTheWalks(t *testing.T) {
	for seed := range uint64(300) {
		v := randomVault(seed, 5+int(seed%7)*40)
		if seed%2 == 0 {
			v.StrengthKey = strings.Repeat("ab", 32)
		}
		got, want := reusedFindings(v), oracleReused(v)
		sizes := map[string]int{}
		for _, a := range v.Accounts {
			if a.Password != "" && !a.IsOAuth2() {
				sizes[a.Password]++
			}
		}
		ids := map[string]string{} // group id -> password
		for i := range got {
			a := v.FindID(got[i].AccountID)
			switch g := got[i].Group; {
			case sizes[a.Password] < 2 && g != nil:
				t.Fatalf("seed %d: %s has a group of %d", seed, a.Name, g.Size)
			case sizes[a.Password] >= 2 && (g == nil || g.Size != sizes[a.Password]):
				t.Fatalf("seed %d: %s: group %+v, want size %d", seed, a.Name, g, sizes[a.Password])
			case g != nil && (g.ID == "") != (v.StrengthKey == ""):
				t.Fatalf("seed %d: %s: group id %q with key %q", seed, a.Name, g.ID, v.StrengthKey)
			case g != nil && g.ID != "":
				if pw, ok := ids[g.ID]; ok && pw != a.Password {
					t.Fatalf("seed %d: two passwords share the group id %s", seed, g.ID)
				}
				ids[g.ID] = a.Password
			}
			got[i].Group = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: reused findings differ:\n got %+v\nwant %+v", seed, got, want)
		}
		if got, want := exposedFindings(v), oracleExposed(v); !slices.Equal(got, want) {
			t.Fatalf("seed %d: exposed findings differ:\n got %+v\nwant %+v", seed, got, want)
		}
		var keys []string
		for _, r := range v.Recipients {
			if seed%3 == 0 || len(r.Key)%2 == 0 {
				keys = append(keys, r.Key)
			}
		}
		// The walk's order among names equal but for case was unspecified.
		fold := func(names []string) []string {
			out := slices.Clone(names)
			slices.Sort(out)
			return out
		}
		got2, want2 := ExposedTo(v, keys), oracleExposedTo(v, keys)
		if !slices.Equal(fold(got2), fold(want2)) || !slices.EqualFunc(got2, want2, strings.EqualFold) {
			t.Fatalf("seed %d: ExposedTo differs:\n got %q\nwant %q", seed, got2, want2)
		}
	}
}
