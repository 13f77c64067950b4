package rotate

import (
	"context"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/internal/cafile"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// retrySMTP proves the new password on the account's SMTP endpoint, with
// the same backoff and deadline rules as retryLogin: the submission server
// often checks another password store (Postfix asks Dovecot, or its own
// sasldb), which catches up on its own schedule. ok is false when the
// account has no endpoint (nothing to prove).
func (r *Rotation) retrySMTP(ctx context.Context, a vault.Account) (res smtpcheck.Result, n int, ok bool) {
	if a.SMTP == nil || a.IsOAuth2() {
		return res, 0, false
	}
	timeout := r.opts.VerifyTimeout
	if timeout <= 0 {
		timeout = DefaultVerifyTimeout
	}
	deadline := time.Now().Add(timeout)
	wait := firstBackoff
	for n = 1; ; n++ {
		left := time.Until(deadline)
		actx, cancel := context.WithTimeout(ctx, min(max(left, minAttempt), maxAttempt))
		res = r.smtpLogin(actx, a, r.pw)
		cancel()
		r.emit(Event{Step: StepAttempt, Attempt: n, SMTP: &res, Message: smtpAttemptMessage(n, res)})
		if res.OK() || !smtpRetryable(res.Status) || ctx.Err() != nil {
			return res, n, true
		}
		left = time.Until(deadline)
		if left <= 0 {
			return res, n, true
		}
		select {
		case <-ctx.Done():
			return res, n, true
		case <-time.After(min(wait, left)):
		}
		wait = min(wait*2, maxBackoff)
	}
}

// smtpRetryable: a refused password (the server has not caught up yet) or
// the network. A refused sender, a missing AUTH or TLS stay as they are.
func smtpRetryable(s smtpcheck.Status) bool {
	switch s {
	case smtpcheck.StatusAuthFailed, smtpcheck.StatusUnreachable, smtpcheck.StatusTimeout, smtpcheck.StatusProtocolError:
		return true
	}
	return false
}

func smtpAttemptMessage(n int, res smtpcheck.Result) string {
	if res.OK() {
		return "SMTP login with the new password succeeded"
	}
	return "SMTP login with the new password failed: " + string(res.Status) + ": " + res.Message
}

// smtpLogin checks SMTP once with password, through Options.SMTPLogin or
// smtpcheck.
func (r *Rotation) smtpLogin(ctx context.Context, a vault.Account, password string) smtpcheck.Result {
	if r.opts.SMTPLogin != nil {
		return r.opts.SMTPLogin(ctx, a, password)
	}
	e := a.SMTP
	cfg, err := cafile.TLSConfig(r.opts.TLSConfig, a.CAFile)
	if err != nil {
		return smtpcheck.Result{Name: a.Name, Status: smtpcheck.StatusTLSError, Message: err.Error(), At: time.Now()}
	}
	return smtpcheck.Check(ctx, smtpcheck.Target{
		Name: a.Name, Host: e.Host, Port: e.PortOrDefault(), Security: smtpcheck.Security(e.SecurityOrDefault()),
		Username: a.SMTPUsername(), Password: password, Address: a.Address, TLSConfig: cfg,
	})
}

// smtpVerifyError is a verification whose IMAP side passed and whose SMTP
// side gave up.
func (r *Rotation) smtpVerifyError(a vault.Account, res smtpcheck.Result, n int) *VerifyError {
	return &VerifyError{Account: r.name, Attempts: n, Side: "smtp", SMTPStatus: res.Status, Message: res.Message,
		Endpoint: a.SMTP.Addr()}
}

func (e *VerifyError) smtpReason() string {
	return fmt.Sprintf("the new password logs in to IMAP, but SMTP %s refused it after %d attempt(s): %s: %s; the old password stays current",
		e.Endpoint, e.Attempts, e.SMTPStatus, e.Message)
}
