package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

const day24 = 24 * time.Hour

// staleFindings: the password is older than the account's max age,
// counted from when it last changed (never from the last edit).
func staleFindings(v *vault.Vault, override time.Duration, now time.Time) []Finding {
	var out []Finding
	for _, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() { // oauth2: see oauthStaleFindings
			continue
		}
		maxAge := a.MaxAge(v.Settings)
		if a.MaxAgeDays <= 0 && override > 0 {
			maxAge = override
		}
		set := setAt(a)
		f := Finding{AccountID: a.ID, Account: a.Name, Kind: Stale, Severity: Medium}
		if set.IsZero() {
			f.Message = fmt.Sprintf("the date this password was set is unknown%s: rotate it with %s", pendingNote(a), rotateCmd(a))
			out = append(out, f)
			continue
		}
		age := now.Sub(set)
		if age <= maxAge {
			continue
		}
		if age > 2*maxAge {
			f.Severity = High
		}
		f.Message = fmt.Sprintf("password is %d days old (max %s)%s: rotate it with %s",
			int(age/day24), fmtAge(maxAge), pendingNote(a), rotateCmd(a))
		out = append(out, f)
	}
	return out
}

func fmtAge(d time.Duration) string {
	if d%day24 == 0 {
		return fmt.Sprintf("%d", int(d/day24))
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

// reusedFindings: the same password on several accounts (one finding per
// account, naming the others), an account back on one of its own old
// passwords, or on a password another account retired (low: that one is
// no longer in use there, but whoever knew it there can still use it here).
func reusedFindings(v *vault.Vault) []Finding {
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
			parts = append(parts, "the same password is used by "+nameList(others, 5))
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

func ownReuse(a *vault.Account) *vault.RetiredPassword {
	for i := len(a.History) - 1; i >= 0; i-- {
		if a.History[i].Password == a.Password {
			return &a.History[i]
		}
	}
	return nil
}

// nameList joins names, cutting a long list short.
func nameList(names []string, max int) string {
	if len(names) > max {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
	}
	return strings.Join(names, ", ")
}

// loginFindings: the last check did not log in.
func loginFindings(v *vault.Vault) []Finding {
	var out []Finding
	for _, a := range v.Accounts {
		c := a.LastCheck
		if c == nil || c.Status == "" || c.Status == "ok" {
			continue
		}
		sev, what, todo := Medium, "", fmt.Sprintf("check the host and port, then run `imapvault check %s`", shellQuote(a.Name))
		switch c.Status {
		case "auth_failed":
			sev, what = High, "the server refused the stored password"
			todo = fmt.Sprintf("find out who changed it, then rotate it with %s", rotateCmd(a))
			if a.Pending != nil {
				todo = fmt.Sprintf("the provider may already have the pending password: finish with %s", rotateCmd(a))
			}
		case "unreachable":
			what = "the server could not be reached"
		case "timeout":
			what = "the server did not answer in time"
		case "tls_error":
			sev, what = High, "the TLS connection failed"
			todo = "fix the server's certificate or the account's security setting before logging in again"
		case "login_disabled":
			what = "the server refuses logins on this connection (LOGINDISABLED)"
			todo = "switch the account to tls or starttls"
		case "insecure_refused":
			what = "a cleartext login was refused"
			todo = "switch the account to tls or starttls"
		case "protocol_error":
			what = "the server spoke IMAP in a way the check did not understand"
		case "token_revoked":
			sev, what = High, "the provider no longer honours the OAuth2 refresh token (expired, revoked or consent withdrawn)"
			todo = fmt.Sprintf("authorise again with `imapvault oauth login %s`", shellQuote(a.Name))
		case "no_password":
			what = "no password is stored, so nothing could log in"
			todo = fmt.Sprintf("store it with `imapvault edit %s --password-stdin`", shellQuote(a.Name))
		case "token_error":
			what = "the OAuth2 token endpoint failed"
			todo = fmt.Sprintf("check the provider's words and the client settings, then run `imapvault check %s`", shellQuote(a.Name))
		default:
			what = fmt.Sprintf("the last check ended with %q", fold(c.Status, 40))
		}
		msg := fmt.Sprintf("%s at the last check (%s)", what, day(c.At))
		if words := serverWords(c); words != "" {
			msg = fmt.Sprintf("%s at the last check (%s, server said %q)", what, day(c.At), words)
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: LoginFailed, Severity: sev,
			Message: msg + ": " + todo})
	}
	return out
}

func serverWords(c *vault.Check) string {
	w := c.Error
	if c.Code != "" && !strings.Contains(w, c.Code) {
		w = "[" + c.Code + "] " + w
	}
	if c.Alert != "" && !strings.Contains(w, c.Alert) {
		w = strings.TrimSpace(w + " ALERT: " + c.Alert)
	}
	return fold(w, 160)
}

// fold makes outside text fit one line of a finding's message: control
// characters become spaces, whitespace folds, length is bounded. Messages
// go to --json as they are, and through clean when shown.
func fold(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

// clean makes outside text safe for one line of a terminal: no control,
// ESC, C1 or bidi character acts (each is shown escaped, by termtext),
// bounded length.
func clean(s string, max int) string {
	// Whitespace (newlines, tabs) folds to single spaces; every other
	// control, ESC, C1 or bidi character is shown escaped, not acted on.
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return termtext.LineN(s, 0)
	}
	return termtext.LineN(s, max-1)
}

// certWarnDays is how soon an expiring certificate becomes a finding.
const certWarnDays = 21

// tlsFindings: cleartext logins, certificates that failed verification or
// expire within three weeks.
func tlsFindings(v *vault.Vault, now time.Time) []Finding {
	var out []Finding
	for _, a := range v.Accounts {
		add := func(sev Severity, msg string) {
			out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: TLS, Severity: sev, Message: msg})
		}
		if a.Security == vault.Insecure {
			add(High, fmt.Sprintf("logins to %s go over cleartext (security insecure): switch the account to tls (port 993) or starttls", clean(a.Addr(), 80)))
			continue
		}
		if a.LastCheck == nil || a.LastCheck.TLS == nil {
			continue
		}
		t := a.LastCheck.TLS
		if t.VerifyError != "" {
			add(High, fmt.Sprintf("the certificate of %s failed verification at the last check (%q): fix or replace the server's certificate, or ask the provider to", clean(a.Addr(), 80), clean(t.VerifyError, 160)))
			continue
		}
		left := t.DaysLeft
		if !t.NotAfter.IsZero() {
			left = int(t.NotAfter.Sub(now).Hours() / 24)
			if t.NotAfter.Before(now) {
				left = -1
			}
		} else if !a.LastCheck.At.IsZero() {
			left -= int(now.Sub(a.LastCheck.At) / day24)
		}
		switch {
		case left < 0:
			add(Critical, fmt.Sprintf("the certificate of %s has expired%s: ask the provider to renew it", clean(a.Addr(), 80), onDate(t.NotAfter)))
		case left <= certWarnDays:
			sev := Medium
			if left <= 7 {
				sev = High
			}
			add(sev, fmt.Sprintf("the certificate of %s expires in %d days%s: ask the provider to renew it", clean(a.Addr(), 80), left, onDate(t.NotAfter)))
		}
	}
	return out
}

func onDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " (" + day(t) + ")"
}

// exposedFindings: a recipient removed after the password was set could
// have read it while they still had access.
func exposedFindings(v *vault.Vault) []Finding {
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

// ExposedTo names the accounts (sorted) whose current password the removed
// recipients with the given keys could read: set before their removal and
// not changed since. Other removals don't count, unlike the exposed
// findings, which name everyone.
func ExposedTo(v *vault.Vault, keys []string) []string {
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

func recipientName(r vault.Recipient) string {
	if r.Label != "" {
		return clean(r.Label, 60)
	}
	k := clean(r.Key, 200)
	if len(k) > 16 {
		k = k[:16] + "…"
	}
	return k
}

// breachedFindings looks every distinct current password up once.
func breachedFindings(v *vault.Vault, bf *BreachFile) ([]Finding, error) {
	counts := map[string]int{}
	var out []Finding
	for _, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() {
			continue
		}
		n, ok := counts[a.Password]
		if !ok {
			var err error
			if n, err = bf.Lookup(a.Password); err != nil {
				return nil, fmt.Errorf("breach check of account %s: %w", a.Name, err)
			}
			counts[a.Password] = n
		}
		if n == 0 {
			continue
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Breached, Severity: Critical, Count: n,
			Message: fmt.Sprintf("password appears %s in the breach file, so attackers try it early%s: rotate it now with %s",
				times(n), pendingNote(a), rotateCmd(a))})
	}
	return out, nil
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}
