package rotate

import (
	"context"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/cafile"
	"github.com/imapvault/imapvault/vault"
)

// Backoff between verify attempts: servers that reread their password
// store on a timer (Dovecot's passwd-file: at most once a second) take the
// new password within a second or two. Variables so tests of a slow
// server need not wait long.
var (
	firstBackoff = 250 * time.Millisecond
	maxBackoff   = 2 * time.Second
)

// Each login attempt gets at least minAttempt and at most maxAttempt,
// whatever is left of the verify timeout: a last attempt cut to a few
// milliseconds would only ever report a timeout. Servers delay the answer
// to a failed login (Dovecot by 2 s, others by more), so an attempt shorter
// than that turns "not yet" into a misleading timeout.
const (
	minAttempt = 5 * time.Second
	maxAttempt = 15 * time.Second
)

// retryLogin logs in with the new password until it works, the verify
// timeout passes, or the failure is one that waiting cannot fix. It
// returns the last result and the number of attempts.
func (r *Rotation) retryLogin(ctx context.Context, a vault.Account) (imapcheck.Result, int) {
	timeout := r.opts.VerifyTimeout
	if timeout <= 0 {
		timeout = DefaultVerifyTimeout
	}
	deadline := time.Now().Add(timeout)
	wait := firstBackoff
	for n := 1; ; n++ {
		left := time.Until(deadline)
		actx, cancel := context.WithTimeout(ctx, min(max(left, minAttempt), maxAttempt))
		res := r.login(actx, a, r.pw)
		cancel()
		r.emit(Event{Step: StepAttempt, Attempt: n, Result: &res, Message: attemptMessage(n, res)})
		if res.OK() || !retryable(res.Status) || ctx.Err() != nil {
			return res, n
		}
		left = time.Until(deadline)
		if left <= 0 {
			return res, n
		}
		// The last wait ends at the deadline, for one more try there.
		select {
		case <-ctx.Done():
			return res, n
		case <-time.After(min(wait, left)):
		}
		wait = min(wait*2, maxBackoff)
	}
}

// retryable says whether waiting may change a failed login's outcome: a
// refused password (the server has not caught up) or the network. A TLS
// or policy failure stays the same however long we wait.
func retryable(s imapcheck.Status) bool {
	switch s {
	case imapcheck.StatusAuthFailed, imapcheck.StatusUnreachable, imapcheck.StatusTimeout, imapcheck.StatusProtocolError:
		return true
	}
	return false
}

func attemptMessage(n int, res imapcheck.Result) string {
	if res.OK() {
		return "login with the new password succeeded"
	}
	return "login with the new password failed: " + string(res.Status) + ": " + res.Message
}

// login logs in once with password, through Options.Login or imapcheck.
func (r *Rotation) login(ctx context.Context, a vault.Account, password string) imapcheck.Result {
	if r.opts.Login != nil {
		return r.opts.Login(ctx, a, password)
	}
	cfg, err := cafile.TLSConfig(r.opts.TLSConfig, a.CAFile)
	if err != nil { // no server asked: it would only refuse its certificate
		return imapcheck.Result{Name: a.Name, Status: imapcheck.StatusTLSError, Message: err.Error(), At: time.Now()}
	}
	return imapcheck.Check(ctx, imapcheck.Target{
		Name:      a.Name,
		Host:      a.Host,
		Port:      a.Port,
		Security:  imapcheck.Security(a.Security),
		Username:  a.Username,
		Password:  password,
		TLSConfig: cfg,
	})
}
