package lastcheck

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// SMTPTarget is the check of a's SMTP endpoint with its current password;
// false when a has none. An OAuth2 account's token goes in Bearer (from
// the prepared IMAP target: see Run).
func SMTPTarget(a *vault.Account, tlsConf *tls.Config) (smtpcheck.Target, bool) {
	e := a.SMTP
	if e == nil {
		return smtpcheck.Target{}, false
	}
	cfg, _ := TLSConfig(a, tlsConf)
	return smtpcheck.Target{
		Name: a.Name, Host: e.Host, Port: e.PortOrDefault(), Security: smtpcheck.Security(e.SecurityOrDefault()),
		Username: a.SMTPUsername(), Password: a.Password, Address: a.Address, TLSConfig: cfg,
	}, true
}

// SMTPRecord is the stored form of an SMTP result (the SMTP half of a
// vault.Check).
func SMTPRecord(r smtpcheck.Result) *vault.Check {
	c := &vault.Check{
		At: r.At, Status: string(r.Status), Code: r.Code, Greeting: r.Greeting,
		LatencyMS:    r.Timings.Total.Milliseconds(),
		ConnectMS:    r.Timings.Connect.Milliseconds(),
		TLSMS:        r.Timings.TLS.Milliseconds(),
		GreetingMS:   r.Timings.Greeting.Milliseconds(),
		LoginMS:      r.Timings.Login.Milliseconds(),
		Capabilities: r.Extensions,
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

// Both is one account's check: its IMAP login and, when it has an SMTP
// endpoint, its SMTP check (nil otherwise, or when no credential could be
// had for it: a refused OAuth2 token is reported on the IMAP side).
type Both struct {
	IMAP imapcheck.Result
	SMTP *smtpcheck.Result
}

// OK reports whether every side that was checked is fine.
func (b Both) OK() bool { return b.IMAP.OK() && (b.SMTP == nil || b.SMTP.OK()) }

// RecordBoth is the stored form of both sides: Record with Check.SMTP.
func RecordBoth(b Both) *vault.Check {
	c := Record(b.IMAP)
	if b.SMTP != nil {
		c.SMTP = SMTPRecord(*b.SMTP)
	}
	return c
}

// Indexed is a Both with the position of its account in the slice given
// to Run.
type Indexed struct {
	Index  int
	Result Both
}

// Run checks accts in pool, streaming each account's result once both its
// sides are known. The SMTP check runs in the IMAP check's slot, beside it
// (pool.Beside): --concurrency bounds both, --per-host holds per protocol,
// and it uses the credential the login used (an OAuth2 token fetched by
// pool.Prepare). pool.Beside must be unset. len(accts) results always come.
func Run(ctx context.Context, pool imapcheck.Pool, accts []*vault.Account, tlsConf *tls.Config) <-chan Indexed {
	// Both targets are made here, before any goroutine: the accounts are
	// the caller's to change once Run returns (the TUI edits them).
	targets := make([]imapcheck.Target, len(accts))
	smtpTargets := make([]*smtpcheck.Target, len(accts))
	for i, a := range accts {
		targets[i] = Target(a, tlsConf)
		if st, ok := SMTPTarget(a, tlsConf); ok {
			smtpTargets[i] = &st
		}
	}
	smtp := make([]*smtpcheck.Result, len(accts)) // each written by its slot before its result is sent
	pool.Beside = func(ctx context.Context, i int, t imapcheck.Target) {
		if smtpTargets[i] == nil {
			return
		}
		st := *smtpTargets[i]
		st.Password, st.Bearer = t.Password, t.Bearer
		r := smtpcheck.Check(ctx, st)
		smtp[i] = &r
	}
	out := make(chan Indexed, len(accts))
	go func() {
		defer close(out)
		for it := range pool.Run(ctx, targets) {
			out <- Indexed{Index: it.Index, Result: Both{IMAP: it.Result, SMTP: smtp[it.Index]}}
		}
	}()
	return out
}
