package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Run audits every account of v and returns the findings sorted worst
// first, then by account name, then by kind. Accounts without a stored
// password get no password findings (stale, reused, weak, breached,
// exposed). Accepted findings are left out unless opts.IncludeAccepted.
// Run fails only when the breach file cannot be searched: a broken file
// must never read as "clean".
func Run(v *vault.Vault, opts Options) ([]Finding, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	var out []Finding
	out = append(out, staleFindings(v, opts.MaxAge, now)...)
	out = append(out, oauthStaleFindings(v, now)...)
	out = append(out, reusedFindings(v)...)
	out = append(out, weakFindings(v, opts.Strength)...)
	if opts.Breached != nil {
		fs, err := breachedFindings(v, opts.Breached)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	out = append(out, loginFindings(v)...)
	out = append(out, smtpFindings(v)...)
	out = append(out, tlsFindings(v, now)...)
	out = append(out, postureFindings(v)...)
	out = append(out, exposedFindings(v)...)

	out = applyAccepted(v, out, opts.IncludeAccepted, now)
	redact(v, out)
	sortFindings(out)
	return out, nil
}

// ForAccount keeps the findings about the account with the given id.
func ForAccount(findings []Finding, id string) []Finding {
	var out []Finding
	for _, f := range findings {
		if f.AccountID == id {
			out = append(out, f)
		}
	}
	return out
}

func sortFindings(fs []Finding) {
	fold := make([]string, len(fs)) // lower-cased once, not per comparison
	for i := range fs {
		fold[i] = strings.ToLower(fs[i].Account)
	}
	sort.Stable(byWorst{fs, fold})
}

type byWorst struct {
	fs   []Finding
	fold []string
}

func (s byWorst) Len() int { return len(s.fs) }
func (s byWorst) Swap(i, j int) {
	s.fs[i], s.fs[j] = s.fs[j], s.fs[i]
	s.fold[i], s.fold[j] = s.fold[j], s.fold[i]
}
func (s byWorst) Less(i, j int) bool {
	a, b := &s.fs[i], &s.fs[j]
	if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
		return ra > rb
	}
	if s.fold[i] != s.fold[j] {
		return s.fold[i] < s.fold[j]
	}
	if a.Account != b.Account {
		return a.Account < b.Account
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Message < b.Message
}

// applyAccepted drops (or marks) findings the account has accepted.
func applyAccepted(v *vault.Vault, fs []Finding, include bool, now time.Time) []Finding {
	byID := make(map[string]*vault.Account, len(v.Accounts))
	for _, a := range v.Accounts {
		byID[a.ID] = a
	}
	out := fs[:0]
	for _, f := range fs {
		acc := activeAcceptance(byID[f.AccountID], f.Kind, now)
		if acc != nil {
			if !include {
				continue
			}
			f.Accepted = acc
		}
		out = append(out, f)
	}
	return out
}

// redact is a last guard: a server's words could echo a password back, and
// no finding may carry one.
func redact(v *vault.Vault, fs []Finding) {
	byID := make(map[string]*vault.Account, len(v.Accounts))
	for _, a := range v.Accounts {
		byID[a.ID] = a
	}
	for i := range fs {
		a := byID[fs[i].AccountID]
		if a == nil {
			continue
		}
		for _, pw := range a.Secrets() {
			if len(pw) >= 4 && strings.Contains(fs[i].Message, pw) {
				fs[i].Message = strings.ReplaceAll(fs[i].Message, pw, "[redacted]")
			}
		}
	}
}

// rotateCmd is the command that fixes most findings, quoted for a shell.
func rotateCmd(a *vault.Account) string {
	if a.Pending != nil {
		return fmt.Sprintf("`imapvault rotate %s --resume`", shellQuote(a.Name))
	}
	return fmt.Sprintf("`imapvault rotate %s`", shellQuote(a.Name))
}

func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-@+:/,=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// pendingNote tells the reader a rotation already started.
func pendingNote(a *vault.Account) string {
	if a.Pending == nil {
		return ""
	}
	return fmt.Sprintf(" (a rotation started %s is pending)", day(a.Pending.Started))
}

func day(t time.Time) string { return t.Format("2006-01-02") }

// setAt is when the current password was set: Changed, else Created.
func setAt(a *vault.Account) time.Time {
	if !a.Changed.IsZero() {
		return a.Changed
	}
	return a.Created
}
