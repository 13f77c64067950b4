package rotate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/vault"
)

// Apply runs the hook (Options.Hook) to set the new password at the
// provider. On success the rotation is saved as applied. On failure it
// stays pending with the failure as its note, and the error is a
// *HookError; its output (redacted) is in the error and in Report.
func (r *Rotation) Apply(ctx context.Context) error {
	if _, err := r.account(); err != nil {
		return err
	}
	if r.state == StateVerified {
		return fmt.Errorf("account %q: %w; commit it", r.name, ErrAlreadyVerified)
	}
	if r.opts.Hook == "" {
		return fmt.Errorf("account %q: %w: no hook given", r.name, ErrNoApplyMethod)
	}
	// The password is about to leave the program: make sure the vault on
	// disk holds it now, and that a crash in the hook leaves a trace.
	started := fmt.Sprintf("the hook started at %s and did not report back", r.now().Format(time.RFC3339))
	if err := r.setState("", started); err != nil {
		return err
	}
	a, err := r.account()
	if err != nil {
		return err
	}
	r.emit(Event{Step: StepApplying, Message: "running the hook"})
	out, hookErr := RunHook(ctx, r.opts.Hook, r.opts.HookTimeout, a, a.Password, r.pw, r.opts.HookEnv...)
	r.rep.HookOutput = out
	if hookErr != nil {
		r.emit(Event{Step: StepFailed, Message: hookErr.Error(), Output: out})
		err := fmt.Errorf("account %q: %w", r.name, hookErr)
		if serr := r.setState("", hookErr.Error()); serr != nil {
			return errors.Join(err, serr)
		}
		return err
	}
	if err := r.setState(vault.PendingApplied, ""); err != nil {
		return err
	}
	r.state = StateApplied
	r.emit(Event{Step: StepApplied, Message: "the hook set the new password", Output: out})
	checkpoint("applied")
	return nil
}

// MarkApplied records that the person set the new password at the provider
// by hand.
func (r *Rotation) MarkApplied() error {
	return r.markApplied("new password set at the provider by hand")
}

func (r *Rotation) markApplied(msg string) error {
	if _, err := r.account(); err != nil {
		return err
	}
	if r.state == StateVerified {
		return nil // verified implies applied
	}
	if err := r.setState(vault.PendingApplied, ""); err != nil {
		return err
	}
	r.state = StateApplied
	r.emit(Event{Step: StepApplied, Message: msg})
	checkpoint("applied")
	return nil
}

// Verification is what Verify learned.
type Verification struct {
	Attempts int // logins with the new password
	// OldStillWorks is a warning: the server still accepts the old
	// password (it may not have changed it, or accepts both for a while).
	OldStillWorks bool
	// OldUnknown says the old password's check neither succeeded nor was
	// refused (a network error); OldStillWorks is false then.
	OldUnknown bool
}

// Verify logs in with the new password, retrying with backoff until
// Options.VerifyTimeout while the server catches up, and saves the
// rotation as verified. Then, with Options.CheckOld, it tries the old
// password once and warns when it still works. On failure the error is a *VerifyError, the old
// password stays current and the rotation pending with a note. Verify may
// be called in any unfinished state: after a crash nobody knows whether a
// hook ran.
func (r *Rotation) Verify(ctx context.Context) (Verification, error) {
	var v Verification
	a, err := r.account()
	if err != nil {
		return v, err
	}
	r.emit(Event{Step: StepVerifying, Message: "logging in with the new password"})
	res, n := r.retryLogin(ctx, *a)
	v.Attempts = n
	r.rep.Attempts += n
	if !res.OK() {
		verr := &VerifyError{Account: r.name, Attempts: n, Status: res.Status, Message: res.Message}
		r.emit(Event{Step: StepFailed, Message: verr.reason(), Result: &res})
		if serr := r.setState("", verr.reason()); serr != nil {
			return v, errors.Join(verr, serr)
		}
		return v, verr
	}
	if err := r.setState(vault.PendingVerified, ""); err != nil {
		return v, err
	}
	r.state = StateVerified
	r.verified = &res
	r.emit(Event{Step: StepVerified, Message: fmt.Sprintf("the new password logged in (attempt %d)", n), Result: &res})
	checkpoint("verified")

	if !r.opts.CheckOld {
		return v, nil
	}
	if a, err = r.account(); err != nil || a.Password == "" {
		return v, nil
	}
	octx, cancel := context.WithTimeout(ctx, maxAttempt)
	old := r.login(octx, *a, a.Password)
	cancel()
	switch {
	case old.OK():
		v.OldStillWorks = true
		r.rep.OldStillWorks = true
		r.warn("the old password still logs in too: the server may not have changed it, or accepts both for a while; check at the provider", &old)
	case old.Status == imapcheck.StatusAuthFailed:
		// Refused: what we hoped for.
	default:
		v.OldUnknown = true
		r.warn(fmt.Sprintf("could not tell whether the old password still works: %s: %s", old.Status, old.Message), &old)
	}
	return v, nil
}

// Commit makes the verified new password current: the old one moves to
// history with its retirement date, Changed becomes now, the pending
// rotation is cleared, all in one atomic save.
func (r *Rotation) Commit() error {
	checkpoint("commit")
	a, err := r.account()
	if err != nil {
		return err
	}
	if r.state != StateVerified {
		return fmt.Errorf("account %q: %w; verify it first", r.name, ErrNotVerified)
	}
	before := *a
	now := r.now()
	if a.Password != "" {
		a.History = append(cloneHistory(a.History), vault.RetiredPassword{
			Password: a.Password, Set: a.Changed, Retired: now, Reason: "rotated",
		})
	}
	a.Password, a.Changed, a.Modified, a.Pending = r.pw, now, now, nil
	if r.opts.Record != nil && r.verified != nil {
		a.LastCheck = r.opts.Record(*r.verified)
	}
	if err := r.save(); err != nil {
		r.restore(before)
		return fmt.Errorf("account %q: save the committed rotation: %w", r.name, err)
	}
	r.state = StateCommitted
	r.emit(Event{Step: StepCommitted, Message: "the new password is current; the old one is in history"})
	checkpoint("committed")
	return nil
}

// Abort drops an unverified rotation: the old password stays current and
// the pending one moves to history (reason "aborted rotation"), so it is
// not lost if the server did take it. A verified rotation is not aborted
// (ErrAlreadyVerified): the server takes the new password, so commit it.
func (r *Rotation) Abort() error {
	a, err := r.account()
	if err != nil {
		return err
	}
	if r.state == StateVerified {
		return fmt.Errorf("account %q: %w; commit it instead", r.name, ErrAlreadyVerified)
	}
	before := *a
	a.History = append(cloneHistory(a.History), vault.RetiredPassword{
		Password: r.pw, Retired: r.now(), Reason: "aborted rotation",
	})
	a.Pending = nil
	if err := r.save(); err != nil {
		r.restore(before)
		return fmt.Errorf("account %q: save the aborted rotation: %w", r.name, err)
	}
	r.state = StateAborted
	r.emit(Event{Step: StepAborted, Message: "rotation aborted; the old password stays current and the unverified one is kept in history"})
	return nil
}

func (r *Rotation) warn(msg string, res *imapcheck.Result) {
	r.rep.Warnings = append(r.rep.Warnings, msg)
	r.emit(Event{Step: StepWarning, Message: msg, Result: res})
}

// restore puts the account back as it was before a step whose save failed.
func (r *Rotation) restore(before vault.Account) {
	if a := r.f.Vault.FindID(r.id); a != nil {
		*a = before
	}
}

// cloneHistory copies h, so that a restored account does not share a backing
// array with the failed edit.
func cloneHistory(h []vault.RetiredPassword) []vault.RetiredPassword {
	return append([]vault.RetiredPassword(nil), h...)
}
