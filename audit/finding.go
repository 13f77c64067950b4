// Package audit turns a vault and its last login checks into a short list
// of what needs doing: stale, reused, weak, breached, failing or badly
// secured passwords, and passwords a removed team member could have read.
package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Kind names what is wrong with an account.
type Kind string

const (
	Stale       Kind = "stale"        // password older than the max age
	Reused      Kind = "reused"       // same password elsewhere, or back to an old one
	Weak        Kind = "weak"         // zxcvbn score <= 2 or shorter than 12
	Breached    Kind = "breached"     // found in the offline breach file
	LoginFailed Kind = "login_failed" // the last check did not log in
	TLS         Kind = "tls"          // cleartext, bad or expiring certificate
	Exposed     Kind = "exposed"      // a removed recipient could have read it
	// SMTPFailed: the last check of the account's SMTP server failed.
	SMTPFailed Kind = "smtp_failed"
	// SenderRefused: SMTP took the login but not the account's address.
	SenderRefused Kind = "sender_refused"
)

// Kinds lists every kind, in the order people read them in help text;
// the posture kinds (posture.go) come last.
var Kinds = append([]Kind{Stale, Reused, Weak, Breached, LoginFailed, SMTPFailed, SenderRefused, TLS, Exposed}, postureKinds...)

// ParseKind accepts a kind name as typed on the command line.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, known := range Kinds {
		if k == known {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown finding kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// Severity says how urgently a finding needs attention.
type Severity string

const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
)

// Severities lists the severities worst first, the order of the report.
var Severities = []Severity{Critical, High, Medium, Low}

// Rank orders severities: higher is worse, unknown is 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// Finding is one thing to do about one account. It never holds a password
// or a plain hash of one (a group id is keyed by the vault's secret).
type Finding struct {
	AccountID string   `json:"-"`
	Account   string   `json:"account"`
	Kind      Kind     `json:"kind"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
	Count     int      `json:"count,omitempty"` // times seen in the breach file
	// Group is set on reused findings whose password other accounts
	// have too; the findings of one group share it.
	Group *Group `json:"group,omitempty"`

	// Accepted is the acceptance that would hide this finding; set only
	// when Options.IncludeAccepted asked to see accepted findings.
	Accepted *vault.Acceptance `json:"-"`
}

// Options tune one audit run.
type Options struct {
	Now time.Time // zero means time.Now()
	// MaxAge replaces the vault-wide max age (from --max-age); an account's
	// own MaxAgeDays still wins, because it records a deliberate choice for
	// that provider. Zero keeps the vault setting.
	MaxAge          time.Duration
	Breached        *BreachFile // nil skips the breach check
	IncludeAccepted bool        // keep accepted findings, marked with Accepted
	// Strength keeps zxcvbn scores between runs; nil scores afresh, which
	// is right for one-shot commands.
	Strength *StrengthCache
}
