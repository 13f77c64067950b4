package rotate

import (
	"errors"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// Sentinel errors callers branch on. ErrHookFailed and ErrVerifyFailed
// leave the rotation pending (the command line exits 1 for them); the
// others are about how the rotation was asked for (exit 2).
var (
	ErrNoAccount        = errors.New("no such account")
	ErrPending          = errors.New("a rotation is already pending")
	ErrNoPending        = errors.New("no rotation is pending")
	ErrNoApplyMethod    = errors.New("no way to set the new password at the provider")
	ErrVerifyFailed     = errors.New("the new password did not log in")
	ErrNotVerified      = errors.New("the new password has not been verified")
	ErrAlreadyVerified  = errors.New("the new password already logs in")
	ErrConflict         = errors.New("the pending rotation changed in the vault meanwhile")
	ErrRotationFinished = errors.New("the rotation is already finished")
)

// PendingError says that the account is in the middle of a rotation, so a
// new one must not start: resume or abort that one first.
type PendingError struct {
	Account string
	State   vault.PendingState
	Started time.Time
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("account %q has a rotation pending since %s (state %s); resume it or abort it first",
		e.Account, e.Started.Local().Format("2006-01-02 15:04"), e.State)
}

func (e *PendingError) Is(target error) bool { return target == ErrPending }

// VerifyError is a verification that gave up: the last login's outcome,
// with the server's words. The old password is still current.
type VerifyError struct {
	Account  string
	Attempts int
	Status   imapcheck.Status
	Message  string // the server's words or what failed on our side; never a password
	// Side is "smtp" when IMAP took the new password and the account's
	// SMTP endpoint (host:port) did not, with SMTPStatus; "" is IMAP.
	Side       string
	SMTPStatus smtpcheck.Status
	Endpoint   string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("account %q: %s", e.Account, e.reason())
}

// reason is the error without the account, for lines that already name it.
func (e *VerifyError) reason() string {
	if e.Side == "smtp" {
		return e.smtpReason()
	}
	return fmt.Sprintf("the new password did not log in after %d attempt(s): %s: %s", e.Attempts, e.Status, e.Message)
}

func (e *VerifyError) Is(target error) bool { return target == ErrVerifyFailed }

// Failed reports whether err leaves a rotation pending because the hook or
// the verification failed (exit code 1), as opposed to a usage or vault
// error (exit code 2).
func Failed(err error) bool {
	return errors.Is(err, ErrHookFailed) || errors.Is(err, ErrVerifyFailed)
}
