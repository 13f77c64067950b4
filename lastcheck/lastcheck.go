// Package lastcheck joins the vault and imapcheck: it turns accounts into
// check targets and check results into the record kept on each account, so
// that the command line, the TUI and rotation store checks the same way.
package lastcheck

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/cafile"
	"github.com/imapvault/imapvault/vault"
)

// Target is the check of a with its current password. tlsConf may carry
// extra roots (the demo); nil means the system roots. The account's CA
// file is added to them (see TLSConfig).
func Target(a *vault.Account, tlsConf *tls.Config) imapcheck.Target {
	cfg, _ := TLSConfig(a, tlsConf)
	return imapcheck.Target{
		Name: a.Name, Host: a.Host, Port: a.Port, Security: imapcheck.Security(a.Security),
		Username: a.Username, Password: a.Password, TLSConfig: cfg,
	}
}

// TLSConfig is base with a's CA file (a private CA) added to its roots:
// the one TLS configuration of a's IMAP and SMTP servers. When the file
// can't be read it returns base and the error: the server is then
// trusted only as without the file (its check fails as "unknown
// authority"), and the caller says why.
func TLSConfig(a *vault.Account, base *tls.Config) (*tls.Config, error) {
	cfg, err := cafile.TLSConfig(base, a.CAFile)
	if err != nil {
		return base, fmt.Errorf("account %q: %w", a.Name, err)
	}
	return cfg, nil
}

// Record is the stored form of a result.
func Record(r imapcheck.Result) *vault.Check {
	c := &vault.Check{
		At: r.At, Status: string(r.Status), Code: r.Code, Alert: r.Alert, Greeting: r.Greeting,
		LatencyMS:    r.Timings.Total.Milliseconds(),
		ConnectMS:    r.Timings.Connect.Milliseconds(),
		TLSMS:        r.Timings.TLS.Milliseconds(),
		GreetingMS:   r.Timings.Greeting.Milliseconds(),
		LoginMS:      r.Timings.Login.Milliseconds(),
		Capabilities: r.Capabilities,
	}
	if c.At.IsZero() {
		c.At = time.Now()
	}
	if !r.OK() {
		c.Error = r.Message
	}
	if t := r.TLS; t != nil {
		c.TLS = &vault.TLSInfo{Version: t.Version, Subject: t.Subject, Issuer: t.Issuer,
			NotAfter: t.NotAfter, DaysLeft: t.DaysLeft, VerifyError: t.VerifyError}
	}
	return c
}

// Store writes checks (account id -> record) into the vault on disk. It
// rereads the file under the lock first, so checks that ran for a while
// never overwrite edits made meanwhile; a busy lock is retried for wait.
// A check that no longer tells the truth is not stored (see Stale).
func Store(path string, id *vault.Identity, checks map[string]*vault.Check, wait time.Duration) error {
	_, err := StoreFresh(path, id, checks, wait)
	return err
}

// StoreFresh is Store that also returns the ids of the checks it left out
// as stale, each with the reason.
func StoreFresh(path string, id *vault.Identity, checks map[string]*vault.Check, wait time.Duration) (stale map[string]string, err error) {
	if len(checks) == 0 {
		return nil, nil
	}
	deadline := time.Now().Add(wait)
	for {
		f, err := vault.OpenLocked(path, id)
		var locked *vault.LockedError
		if errors.As(err, &locked) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("store check results: %w", err)
		}
		defer f.Close()
		for accountID, c := range checks {
			a := f.Vault.FindID(accountID)
			if a == nil {
				continue
			}
			if why := Stale(a, c); why != "" {
				if stale == nil {
					stale = map[string]string{}
				}
				stale[accountID] = why
				continue
			}
			carryForward(a.LastCheck, c)
			if c.SMTP == nil && a.SMTP != nil && a.LastCheck != nil {
				// This check never reached SMTP (a token refused on the
				// IMAP side first): the last SMTP check still stands.
				c.SMTP = a.LastCheck.SMTP
			}
			a.LastCheck = c
		}
		_, err = f.SaveMerged() // only LastCheck changed here, and the newer check wins a merge
		return stale, err
	}
}

// Stale says why check c, made with the password a had when c started,
// must not become a's last check, or "" when it may. A password changed
// since the check started (a rotation committed meanwhile) means c logged
// in with one that is no longer current; a failure while a rotation is
// pending says nothing about the current password either (the provider
// may already hold the new one). Either would be audited as a failed
// login of a password that works.
func Stale(a *vault.Account, c *vault.Check) string {
	switch {
	case a.Changed.After(c.At) && !a.Changed.After(time.Now()): // a date typed in the future is no change
		return "its password changed while it was being checked"
	case a.Pending != nil && c.Status != string(imapcheck.StatusOK):
		return "a rotation is pending, so a failure says nothing about the current password"
	}
	return ""
}

// carryForward fills what cur keeps from prev: when each side last logged
// in, and the last posture probe when cur made none.
func carryForward(prev, cur *vault.Check) {
	cur.LastOK = LastOK(prev, cur)
	if prev == nil {
		return
	}
	if cur.SMTP != nil {
		cur.SMTP.LastOK = LastOK(prev.SMTP, cur.SMTP)
	}
	if cur.Posture == nil {
		cur.Posture = prev.Posture
	}
}

// LastOK is when the account last logged in, given its previous stored
// check (nil: none) and the new one: the new one's time when it logged in,
// else what the previous one knew.
func LastOK(prev, cur *vault.Check) time.Time {
	switch {
	case cur.Status == string(imapcheck.StatusOK):
		return cur.At
	case prev == nil:
		return time.Time{}
	case prev.Status == string(imapcheck.StatusOK):
		return prev.At
	}
	return prev.LastOK
}
