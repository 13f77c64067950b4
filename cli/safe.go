package cli

import (
	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/vault"
)

// Caps for untrusted text in tables and messages (runes). Entry validation
// keeps names to 64 already; these also hold for an old vault, or one a
// teammate's newer version wrote.
const (
	nameCap  = 40 // account names, recipient labels in tables
	fieldCap = 64 // usernames, hosts, statuses
)

// line makes untrusted text (server words, certificate names, account
// fields, hook output) safe for one terminal line: controls, ESC, C1 and
// bidi shown visibly, at most termtext.DefaultMax runes.
func line(s string) string { return termtext.Line(s) }

// lineN is line capped at n runes.
func lineN(s string, n int) string { return termtext.LineN(s, n) }

// cleanErr shows an error's text safely and keeps it matchable with
// errors.Is / errors.As.
type cleanErr struct{ err error }

func (c cleanErr) Error() string { return line(c.err.Error()) }
func (c cleanErr) Unwrap() error { return c.err }

// cleanReports returns copies of reps whose account names and errors are
// safe to print, for rotate.Summary.
func cleanReports(reps []rotate.Report) []rotate.Report {
	out := make([]rotate.Report, len(reps))
	for i, r := range reps {
		r.Account = lineN(r.Account, nameCap)
		if r.Err != nil {
			r.Err = cleanErr{r.Err}
		}
		r.Warnings = append([]string(nil), r.Warnings...)
		for j := range r.Warnings {
			r.Warnings[j] = line(r.Warnings[j])
		}
		r.HookOutput = termtext.Text(r.HookOutput, 0)
		out[i] = r
	}
	return out
}

// redactResult hides every 4+ character piece of the account's secrets in
// what the server said (imapcheck already hides the whole password): a
// server that echoes part of a password must not get it on screen, into
// --json or into the vault's last check.
func redactResult(r *imapcheck.Result, secrets []string) {
	for _, p := range []*string{&r.Message, &r.Alert, &r.Greeting, &r.Code} {
		*p = vault.Redact(*p, secrets...)
	}
	if t := r.TLS; t != nil {
		for _, p := range []*string{&t.Subject, &t.Issuer, &t.VerifyError} {
			*p = vault.Redact(*p, secrets...)
		}
	}
}

// redact hides every 4+ character piece of the secrets in play (the
// accounts the command works on, else every vault it opened, and passwords
// read) in s, never a piece of an account's name, username or host.
func (e *env) redact(s string) string {
	secrets, keep := e.redaction()
	return vault.RedactKeeping(s, keep, secrets...)
}
