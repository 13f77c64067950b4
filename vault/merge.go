package vault

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Conflict is one field that both sides changed to different values since
// the common base. Merge keeps ours and reports theirs here, so the person
// can choose; a password is never dropped (theirs goes into the history
// with the reason "merge conflict") and never shown: Ours and Theirs then
// describe it instead of holding it.
type Conflict struct {
	AccountID string // empty for vault-wide fields (settings, recipients)
	Account   string // the account's name, for people
	Field     string // "password", "host", "deleted", "settings.max_age_days", ...
	Ours      string // the value kept
	Theirs    string // the value set aside
}

func (c Conflict) String() string {
	where := c.Account
	if where == "" {
		where = "vault"
	}
	return fmt.Sprintf("%s: %s changed on both sides: kept %q, theirs was %q", where, c.Field, c.Ours, c.Theirs)
}

// ReasonMergeConflict marks a password set aside by a merge in the history.
const ReasonMergeConflict = "merge conflict"

// Merge joins two versions of a vault that both started from base: ours
// (in memory) and theirs (on disk now, written by another process, a sync
// tool or git). A change made on one side only is kept; accounts are
// matched by id; recipients are united and a removal on either side
// stays; histories are united; the newer last check wins. A field changed
// on both sides to different values keeps ours and is reported. No password
// from any of the three versions is ever lost: one that is no longer
// current or pending lands in the history. base may be nil (unknown), in
// which case every difference is a conflict. The inputs are not modified.
func Merge(base, ours, theirs *Vault) (*Vault, []Conflict) {
	return mergeAt(base, ours, theirs, time.Now())
}

func mergeAt(base, ours, theirs *Vault, now time.Time) (*Vault, []Conflict) {
	if base == nil {
		base = New()
	}
	origOurs, origTheirs := ours, theirs
	ours, theirs = ours.Clone(), theirs.Clone() // the result is built from these copies
	m := &merger{now: now}
	// The newer of the two generations: the save of the result counts one
	// more, so it is newer than both (rollback.go).
	out := &Vault{Version: max(ours.Version, theirs.Version), StrengthKey: ours.StrengthKey,
		Generation: max(ours.Generation, theirs.Generation)}
	// The key: whichever side rotated wins (a File checked theirs first).
	out.VaultKey, out.KeyHistory = ours.VaultKey, ours.KeyHistory
	if ours.VaultKey == base.VaultKey {
		out.VaultKey, out.KeyHistory = theirs.VaultKey, theirs.KeyHistory
	}
	if out.StrengthKey == "" {
		out.StrengthKey = theirs.StrengthKey
	}
	out.Settings = m.settings(base.Settings, ours.Settings, theirs.Settings)
	out.Recipients = m.recipients(base.Recipients, ours.Recipients, theirs.Recipients)
	out.Accounts = m.accounts(base, ours, theirs)
	keepEveryPassword(out, base, origOurs, origTheirs, now)
	return out, m.conflicts
}

type merger struct {
	now       time.Time
	conflicts []Conflict
}

func (m *merger) conflict(a *Account, field, ours, theirs string) {
	c := Conflict{Field: field, Ours: ours, Theirs: theirs}
	if a != nil {
		c.AccountID, c.Account = a.ID, a.Name
	}
	m.conflicts = append(m.conflicts, c)
}

// pick is the three-way rule for one value: whichever side changed it wins;
// both changed it differently is a conflict, and ours is kept.
func pick[T any](m *merger, a *Account, field string, base, ours, theirs T, show func(T) string) T {
	switch {
	case reflect.DeepEqual(ours, theirs), reflect.DeepEqual(theirs, base):
		return ours
	case reflect.DeepEqual(ours, base):
		return theirs
	}
	m.conflict(a, field, show(ours), show(theirs))
	return ours
}

func showString(s string) string { return s }
func showInt(n int) string       { return strconv.Itoa(n) }
func showTime(t time.Time) string {
	if t.IsZero() {
		return "unset"
	}
	return t.UTC().Format(time.RFC3339)
}
func showAny[T any](v T) string { return fmt.Sprintf("%+v", v) }

func (m *merger) settings(b, o, t Settings) Settings {
	return Settings{
		MaxAgeDays:      pick(m, nil, "settings.max_age_days", b.MaxAgeDays, o.MaxAgeDays, t.MaxAgeDays, showInt),
		Backups:         pick(m, nil, "settings.backups", b.Backups, o.Backups, t.Backups, showInt),
		AutoLockMinutes: pick(m, nil, "settings.auto_lock_minutes", b.AutoLockMinutes, o.AutoLockMinutes, t.AutoLockMinutes, showInt),
	}
}

// accounts merges by id: theirs' order first, then accounts only we added.
func (m *merger) accounts(base, ours, theirs *Vault) []*Account {
	byID := func(v *Vault) map[string]*Account {
		out := make(map[string]*Account, len(v.Accounts))
		for _, a := range v.Accounts {
			out[a.ID] = a
		}
		return out
	}
	b, o := byID(base), byID(ours)
	var out []*Account
	for _, t := range theirs.Accounts {
		a := m.account(b[t.ID], o[t.ID], t)
		if a != nil {
			out = append(out, a)
		}
	}
	inTheirs := byID(theirs)
	for _, oa := range ours.Accounts {
		if inTheirs[oa.ID] != nil {
			continue
		}
		if a := m.account(b[oa.ID], oa, nil); a != nil {
			out = append(out, a)
		}
	}
	m.uniqueNames(out)
	return out
}

// account merges one account; nil means it is gone from the result.
func (m *merger) account(b, o, t *Account) *Account {
	switch {
	case o == nil && t == nil:
		return nil
	case b == nil && o == nil:
		return t // added by them
	case b == nil && t == nil:
		return o // added by us
	case o == nil: // we deleted it
		if reflect.DeepEqual(b, t) {
			return nil
		}
		m.conflict(t, "deleted", "deleted", "edited")
		return t
	case t == nil: // they deleted it
		if reflect.DeepEqual(b, o) {
			return nil
		}
		m.conflict(o, "deleted", "edited", "deleted")
		return o
	}
	if reflect.DeepEqual(o, t) {
		return o // the common case: nobody touched it
	}
	if b == nil {
		b = &Account{ID: o.ID} // both added the same id: every difference is a conflict
	}
	r := o // o is Merge's own copy; each rule below reads o's field before setting r's
	r.Name = pick(m, o, "name", b.Name, o.Name, t.Name, showString)
	r.Host = pick(m, o, "host", b.Host, o.Host, t.Host, showString)
	r.Port = pick(m, o, "port", b.Port, o.Port, t.Port, showInt)
	r.Security = pick(m, o, "security", b.Security, o.Security, t.Security, func(s Security) string { return string(s) })
	r.Username = pick(m, o, "username", b.Username, o.Username, t.Username, showString)
	r.Notes = pick(m, o, "notes", b.Notes, o.Notes, t.Notes, showString)
	r.Created = pick(m, o, "created", b.Created, o.Created, t.Created, showTime)
	r.MaxAgeDays = pick(m, o, "max_age_days", b.MaxAgeDays, o.MaxAgeDays, t.MaxAgeDays, showInt)
	r.Policy = pick(m, o, "policy", b.Policy, o.Policy, t.Policy, showPolicy)
	r.Hook = pick(m, o, "hook", b.Hook, o.Hook, t.Hook, showString)
	r.After = pick(m, o, "after", b.After, o.After, t.After, showString)
	r.Auth = pick(m, o, "auth", b.Auth, o.Auth, t.Auth, showString)
	r.Address = pick(m, o, "address", b.Address, o.Address, t.Address, showString)
	r.SMTP = pick(m, o, "smtp", b.SMTP, o.SMTP, t.SMTP, showEndpoint)
	r.CAFile = pick(m, o, "ca_file", b.CAFile, o.CAFile, t.CAFile, showString)
	// One value: settings belong together (a URL and its token file).
	r.RecipeSettings = pick(m, o, "recipe_settings", b.RecipeSettings, o.RecipeSettings, t.RecipeSettings,
		func(s []string) string { return strings.Join(s, " ") })
	r.HookEnv = mergeSet(b.HookEnv, o.HookEnv, t.HookEnv)
	r.OAuth = mergeOAuth(b.OAuth, o.OAuth, t.OAuth)
	// r.Strength stays ours: a cached score is checked against its
	// fingerprint before use, so one that no longer fits is recomputed.
	r.Tags = mergeSet(b.Tags, o.Tags, t.Tags)
	r.History = unionHistory(o.History, t.History)
	m.password(r, b, o, t)
	m.pending(r, b, o, t)
	m.accepted(r, b, o, t)
	if t.LastCheck != nil && (o.LastCheck == nil || t.LastCheck.At.After(o.LastCheck.At)) {
		r.LastCheck = t.LastCheck
	}
	if t.Modified.After(r.Modified) {
		r.Modified = t.Modified
	}
	return r
}

// mergeOAuth keeps the newest tokens (by Refreshed: the side that used
// the refresh token last holds the one the provider honours now, as
// providers rotate them), and takes the other side's client settings when
// only they changed them. Neither side's settings are ever dropped.
func mergeOAuth(b, o, t *OAuth) *OAuth {
	switch {
	case t == nil:
		return o
	case o == nil:
		return t // added by them: a refresh token is never dropped
	}
	r := *o
	if b != nil && reflect.DeepEqual(oauthSettings(*b), oauthSettings(*o)) {
		s := oauthSettings(*t)
		s.RefreshToken, s.AccessToken, s.Expiry, s.Refreshed = r.RefreshToken, r.AccessToken, r.Expiry, r.Refreshed
		r = s
	}
	if t.Refreshed.After(o.Refreshed) {
		r.RefreshToken, r.AccessToken, r.Expiry, r.Refreshed = t.RefreshToken, t.AccessToken, t.Expiry, t.Refreshed
	}
	return &r
}

// oauthSettings is o without its tokens.
func oauthSettings(o OAuth) OAuth {
	o.RefreshToken, o.AccessToken, o.Expiry, o.Refreshed = "", "", time.Time{}, time.Time{}
	return o
}

func showEndpoint(e *Endpoint) string {
	if e == nil {
		return "none"
	}
	return fmt.Sprintf("%s:%d %s %s", e.Host, e.Port, e.Security, e.Username)
}

func showPolicy(p *PasswordPolicy) string {
	if p == nil {
		return "none"
	}
	return showAny(*p)
}

// password treats the password and when it changed as one value. On a
// conflict ours stays current and theirs is kept in the history.
func (m *merger) password(r, b, o, t *Account) {
	oc := o.Password != b.Password
	tc := t.Password != b.Password
	switch {
	case !tc || o.Password == t.Password:
		if o.Password == t.Password && t.Changed.After(o.Changed) {
			r.Changed = t.Changed
		}
	case !oc:
		r.Password, r.Changed = t.Password, t.Changed
	default:
		r.History = append(r.History, RetiredPassword{Password: t.Password, Set: t.Changed, Retired: m.now, Reason: ReasonMergeConflict})
		m.conflict(o, "password", "ours, set "+showTime(o.Changed), "theirs, set "+showTime(t.Changed)+" (kept in the history)")
	}
}

// pending: a rotation in progress on one side is kept; both sides rotating
// differently keeps ours, and theirs' new password lands in the history
// (keepEveryPassword) since the provider may already have it.
func (m *merger) pending(r, b, o, t *Account) {
	show := func(p *Pending) string {
		if p == nil {
			return "no rotation"
		}
		return fmt.Sprintf("rotation %s since %s", p.State, showTime(p.Started))
	}
	r.Pending = pick(m, o, "pending", b.Pending, o.Pending, t.Pending, show)
}

// accepted merges the audit acceptances kind by kind.
func (m *merger) accepted(r, b, o, t *Account) {
	byKind := func(as []Acceptance) map[string]*Acceptance {
		out := map[string]*Acceptance{}
		for i := range as {
			out[as[i].Kind] = &as[i]
		}
		return out
	}
	bk, ok, tk := byKind(b.Accepted), byKind(o.Accepted), byKind(t.Accepted)
	var kinds []string
	for _, as := range [][]Acceptance{o.Accepted, t.Accepted} {
		for _, a := range as {
			if !slices.Contains(kinds, a.Kind) {
				kinds = append(kinds, a.Kind)
			}
		}
	}
	show := func(a *Acceptance) string {
		if a == nil {
			return "not accepted"
		}
		return "accepted " + showTime(a.At)
	}
	r.Accepted = nil
	for _, k := range kinds {
		if a := pick(m, o, "accepted "+k, bk[k], ok[k], tk[k], show); a != nil {
			r.Accepted = append(r.Accepted, *a)
		}
	}
}

// mergeSet keeps an element that both sides have, or that one side added;
// an element one side removed is gone.
func mergeSet(base, ours, theirs []string) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range ours {
		if slices.Contains(theirs, s) || !slices.Contains(base, s) {
			add(s)
		}
	}
	for _, s := range theirs {
		if !slices.Contains(base, s) {
			add(s)
		}
	}
	return out
}

// unionHistory keeps every retired password of both sides once, oldest
// retirement first.
func unionHistory(ours, theirs []RetiredPassword) []RetiredPassword {
	out := slices.Clone(ours)
	for _, t := range theirs {
		if !slices.ContainsFunc(out, func(o RetiredPassword) bool { return sameRetired(o, t) }) {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(a, b RetiredPassword) int { return a.Retired.Compare(b.Retired) })
	return out
}

// sameRetired: one password retired from the same era (both sides rotated
// away from it) is kept once.
func sameRetired(a, b RetiredPassword) bool {
	return a.Password == b.Password && a.Set.Equal(b.Set)
}

// uniqueNames renames accounts that ended up sharing a name (both sides
// added "work"): the first in the result (theirs come first) keeps it, the
// next gets a suffix and a conflict.
func (m *merger) uniqueNames(accts []*Account) {
	taken := map[string]bool{}
	for _, a := range accts {
		taken[strings.ToLower(a.Name)] = true
	}
	claimed := map[string]bool{}
	for _, a := range accts {
		if !claimed[strings.ToLower(a.Name)] {
			claimed[strings.ToLower(a.Name)] = true
			continue
		}
		old := a.Name
		for n := 2; ; n++ {
			name := fmt.Sprintf("%s-%d", old, n)
			if !taken[strings.ToLower(name)] {
				a.Name = name
				break
			}
		}
		taken[strings.ToLower(a.Name)] = true
		claimed[strings.ToLower(a.Name)] = true
		m.conflict(a, "name", a.Name, old)
	}
}

// keepEveryPassword is the last guard of the rule that no password is ever
// lost: any password of base, ours or theirs that the result holds neither
// as current, pending nor retired goes into that account's history. An
// account deleted on purpose takes its passwords with it.
func keepEveryPassword(out, base, ours, theirs *Vault, now time.Time) {
	var index []map[string]*Account
	for _, v := range []*Vault{ours, theirs, base} {
		m := make(map[string]*Account, len(v.Accounts))
		for _, a := range v.Accounts {
			m[a.ID] = a
		}
		index = append(index, m)
	}
	for _, a := range out.Accounts {
		have := map[string]bool{}
		for _, pw := range passwordsOf(a) {
			have[pw] = true
		}
		for _, byID := range index {
			src := byID[a.ID]
			if src == nil {
				continue
			}
			pws := []RetiredPassword{{Password: src.Password, Set: src.Changed}}
			if src.Pending != nil {
				pws = append(pws, RetiredPassword{Password: src.Pending.Password, Set: src.Pending.Started})
			}
			pws = append(pws, src.History...)
			for _, p := range pws {
				if p.Password == "" || have[p.Password] {
					continue
				}
				have[p.Password] = true
				a.History = append(a.History, RetiredPassword{Password: p.Password, Set: p.Set, Retired: now, Reason: ReasonMergeConflict})
			}
		}
	}
}

func passwordsOf(a *Account) []string {
	out := []string{a.Password}
	if a.Pending != nil {
		out = append(out, a.Pending.Password)
	}
	for _, h := range a.History {
		out = append(out, h.Password)
	}
	return out
}
