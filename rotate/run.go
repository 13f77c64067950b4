package rotate

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

// Report is what a rotation did. It never holds a password.
type Report struct {
	Account       string
	State         State    // committed, or the state it stopped in
	Err           error    // nil when committed (or aborted on request)
	HookOutput    string   // the hook's combined output, passwords redacted
	Attempts      int      // logins tried with the new password
	OldStillWorks bool     // warning: the server still accepts the old password
	Warnings      []string // sentences for the person

	// The after command (Options.After), run only once committed: its
	// output (passwords redacted) and its failure, if any. A failed after
	// command leaves the rotation committed.
	AfterOutput string
	AfterErr    error
}

// Run rotates the named account in one go: Start, apply (Options.Hook, or
// Options.Confirm by hand), Verify, Commit. On error the Report says how
// far it got; unless the error came before Start saved anything, the
// rotation stays pending with the old password current.
func Run(ctx context.Context, f *vault.File, name string, opts Options) (Report, error) {
	if a := f.Vault.Find(name); a != nil {
		opts = opts.forAccount(a)
	}
	if opts.Hook == "" && opts.Confirm == nil && opts.NewPassword == "" {
		return Report{Account: name, Err: errNoApply(name)}, errNoApply(name)
	}
	r, err := Start(f, name, opts)
	if err != nil {
		return Report{Account: name, Err: err}, err
	}
	if opts.NewPassword != "" {
		// The provider made it, so the provider has it: verify next.
		return r.finish(ctx, func(context.Context) error { return r.markApplied("the provider's password is set there already") })
	}
	return r.finish(ctx, r.apply)
}

// Resume finishes the rotation pending on the named account: a verified
// one is committed; an applied one is verified and committed. A pending
// one may or may not have reached the provider (the process may have died
// in the hook), so one login with the new password tells: if it works the
// rotation is verified and committed; if not, the hook runs again (or
// Confirm asks the person) before verifying. With neither, Verify alone
// tries, in case the person set it by hand since.
func Resume(ctx context.Context, f *vault.File, name string, opts Options) (Report, error) {
	r, err := Load(f, name, opts)
	if err != nil {
		return Report{Account: name, Err: err}, err
	}
	apply := func(ctx context.Context) error {
		a, err := r.account()
		if err != nil {
			return err
		}
		if probe := r.login(ctx, *a, r.pw); probe.OK() {
			return nil // the server has it already: Verify will confirm at once
		}
		if r.opts.Hook == "" && r.opts.Confirm == nil {
			return nil
		}
		return r.apply(ctx)
	}
	switch r.state {
	case StateVerified:
		apply = nil
	case StateApplied:
		apply = func(context.Context) error { return nil }
	}
	return r.finish(ctx, apply)
}

// Batch rotates the named accounts one after another (Run each), going on
// past failures, and returns one Report per name in order. Summary turns
// them into text.
func Batch(ctx context.Context, f *vault.File, names []string, opts Options) []Report {
	reps := make([]Report, 0, len(names))
	for _, name := range names {
		if ctx.Err() != nil {
			reps = append(reps, Report{Account: name, Err: fmt.Errorf("account %q: not rotated: %w", name, ctx.Err())})
			continue
		}
		rep, _ := Run(ctx, f, name, opts)
		reps = append(reps, rep)
	}
	return reps
}

// Outcome sorts a report for the batch table: committed (or aborted on
// request), pending (a new password is saved and the old one still
// current: the hook or the verification failed), or failed (nothing was
// saved: no such account, one already pending, a vault error).
func (rep Report) Outcome() string {
	switch {
	case rep.Err == nil && rep.State != "":
		return string(rep.State)
	case rep.Err == nil:
		return "done"
	case rep.State != "" && rep.State != StateCommitted && rep.State != StateAborted:
		return "pending"
	}
	return "failed"
}

// Summary is the table that ends a batch: one row per account with its
// outcome (committed, pending, failed) and why, then the warnings and the
// counts. Account names and reasons pass through termtext: a server's
// words reach the terminal only cleaned.
func Summary(reps []Report) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tRESULT\tWHY")
	counts := map[string]int{}
	for _, rep := range reps {
		out := rep.Outcome()
		counts[out]++
		why := ""
		switch {
		case rep.Err != nil && out == "pending":
			why = fmt.Sprintf("stopped at %s, old password still current: %s", rep.State, withoutAccount(rep))
		case rep.Err != nil:
			why = withoutAccount(rep)
		case rep.AfterErr != nil:
			why = rep.AfterErr.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", termtext.LineN(rep.Account, 40), out, termtext.LineN(why, 200))
	}
	tw.Flush()
	for _, rep := range reps {
		for _, w := range rep.Warnings {
			fmt.Fprintf(&b, "%s: warning: %s\n", termtext.Line(rep.Account), termtext.Line(w))
		}
	}
	fmt.Fprintf(&b, "%d committed, %d pending, %d failed (of %d)\n", counts["committed"], counts["pending"], counts["failed"], len(reps))
	return b.String()
}

// withoutAccount is the report's error text without the leading account
// name, which the summary line already starts with.
func withoutAccount(rep Report) string {
	return strings.TrimPrefix(rep.Err.Error(), fmt.Sprintf("account %q: ", rep.Account))
}

// apply sets the password at the provider the way the options say.
func (r *Rotation) apply(ctx context.Context) error {
	if r.opts.Hook != "" {
		return r.Apply(ctx)
	}
	if r.opts.Confirm == nil {
		return errNoApply(r.name)
	}
	if err := r.opts.Confirm(ctx, r); err != nil {
		return fmt.Errorf("account %q: set at the provider: %w", r.name, err)
	}
	return r.MarkApplied()
}

// finish runs apply (nil: skip), Verify unless already verified, and
// Commit, and reports.
func (r *Rotation) finish(ctx context.Context, apply func(context.Context) error) (Report, error) {
	fail := func(err error) (Report, error) {
		rep := r.Report()
		rep.Err = err
		return rep, err
	}
	if apply != nil {
		if err := apply(ctx); err != nil {
			return fail(err)
		}
	}
	if r.state != StateVerified {
		if _, err := r.Verify(ctx); err != nil {
			return fail(err)
		}
	}
	if err := r.Commit(); err != nil {
		return fail(err)
	}
	r.after(ctx)
	return r.Report(), nil
}

func errNoApply(name string) error {
	return fmt.Errorf("account %q: %w: give a hook command or confirm by hand in a terminal", name, ErrNoApplyMethod)
}
