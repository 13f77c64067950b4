package rotate

import (
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/rotate/recipe"
	"github.com/imapvault/imapvault/vault"
)

// DefaultVerifyTimeout is how long Verify keeps trying the new password
// while the server catches up.
const DefaultVerifyTimeout = 30 * time.Second

// Options configure a rotation. The zero value rotates by hand with the
// defaults and real logins.
type Options struct {
	// Hook is a shell command (run as `sh -c Hook`) that sets the new
	// password at the provider; see RunHook. Empty: the person does it.
	Hook        string
	HookTimeout time.Duration // 0: DefaultHookTimeout
	// HookEnv names variables the hook gets beyond HookAllowList and the
	// account's own HookEnv (rotate --hook-env); see HookEnv.
	HookEnv []string

	// Confirm is how Run, Resume and Batch apply by hand when Hook is
	// empty: show r.NewPassword() to the person and return nil once they
	// set it at the provider (an error keeps the rotation pending). Step
	// by step callers (the TUI) call MarkApplied instead.
	Confirm func(ctx context.Context, r *Rotation) error

	// NewPassword is a password the provider made (an app password, a web
	// panel's): Start saves it as pending instead of generating one, and
	// Run counts it as set at the provider already, so neither Hook nor
	// Confirm is needed. It must pass CheckProviderPassword.
	NewPassword string

	// After is a shell command (sh -c) run once the new password is
	// committed, never otherwise, with the allow-listed environment of
	// hooks and nothing on stdin (see RunAfter). Empty: the account's own.
	After        string
	AfterTimeout time.Duration // 0: DefaultHookTimeout

	Policy *vault.PasswordPolicy // nil: the account's own policy, else the defaults
	Length int                   // > 0: overrides the policy's length

	VerifyTimeout time.Duration // 0: DefaultVerifyTimeout
	// CheckOld, after the new password is verified, tries the old one once
	// and warns when it still works. Off by default: the refused login it
	// usually is counts as a failure at the server (Dovecot's penalty slows
	// the next login, fail2ban counts N of them in a batch of N).
	CheckOld bool

	// Login logs in once with password. Nil: imapcheck.Check with TLSConfig.
	Login     func(ctx context.Context, a vault.Account, password string) imapcheck.Result
	TLSConfig *tls.Config // base TLS config of the default Login (tests: the test CA)

	// Record, when set, stores the login that verified the new password as
	// the account's LastCheck in the commit (pass lastcheck.Record), so
	// that a failed check of the old password stops showing.
	Record func(imapcheck.Result) *vault.Check

	Progress func(Event)      // called on the caller's goroutine; nil: no events
	Now      func() time.Time // nil: time.Now
}

// Rotation is one account's rotation in progress. Every step saves the
// vault before it returns, and before anything leaves the program; the old
// password stays current until Commit. A Rotation is not safe for
// concurrent use.
type Rotation struct {
	f     *vault.File
	id    string // account id: the account is looked up afresh at every step
	name  string
	pw    string // the new password
	old   string // the current password when the rotation was picked up, to redact
	opts  Options
	state State
	rep   Report

	verified *imapcheck.Result // the login that verified the new password
}

// forAccount fills in the account's own hook when the options give none:
// a sysadmin stores how each provider's password is set once, with the
// account, and every later rotation uses it.
func (o Options) forAccount(a *vault.Account) Options {
	if o.Hook == "" {
		o.Hook = a.Hook
	}
	if o.After == "" {
		o.After = a.After
	}
	return o
}

// testHook, when set by a test, is called at each checkpoint so the test
// can kill the process there.
var testHook func(point string)

func checkpoint(point string) {
	if testHook != nil {
		testHook(point)
	}
}

// Start generates a new password for the named account and saves it as
// pending. It refuses when a rotation is already pending (*PendingError).
// generationPolicy is what a new password for a must respect: the
// account's (or the caller's) policy, --length, and the characters the
// hook's shipped recipe cannot carry (':' in a passwd-file), so a recipe is
// never handed a password it must refuse.
func generationPolicy(a *vault.Account, opts Options) vault.PasswordPolicy {
	policy := vault.PasswordPolicy{}
	switch {
	case opts.Policy != nil:
		policy = *opts.Policy
	case a.Policy != nil:
		policy = *a.Policy
	}
	if opts.Length > 0 {
		policy.Length = opts.Length
	}
	if r, ok, _ := recipe.FromHook(opts.forAccount(a).Hook); ok {
		policy.Exclude += r.Cannot
	}
	return policy
}

func Start(f *vault.File, name string, opts Options) (*Rotation, error) {
	a := f.Vault.Find(name)
	if a == nil {
		return nil, fmt.Errorf("account %q: %w", name, ErrNoAccount)
	}
	if a.Pending != nil {
		return nil, &PendingError{Account: a.Name, State: a.Pending.State, Started: a.Pending.Started}
	}
	policy := generationPolicy(a, opts)
	pw, saved, err := opts.NewPassword, "the provider's password saved as pending; the old one stays current", error(nil)
	if pw != "" {
		if err := CheckProviderPassword(pw, a.Password); err != nil {
			return nil, fmt.Errorf("account %q: %w", a.Name, err)
		}
	} else if pw, err = Generate(policy); err != nil {
		return nil, fmt.Errorf("account %q: %w", a.Name, err)
	} else {
		saved = "new password generated and saved as pending; the old one stays current"
	}
	r := &Rotation{f: f, id: a.ID, name: a.Name, pw: pw, old: a.Password, opts: opts.forAccount(a), state: StatePending}
	r.rep.Account = a.Name
	now := r.now()
	a.Pending = &vault.Pending{Password: pw, State: vault.PendingSaved, Started: now, Updated: now}
	if err := r.save(); err != nil {
		if a := f.Vault.FindID(r.id); a != nil {
			a.Pending = nil
		}
		return nil, fmt.Errorf("account %q: save the new password as pending: %w", r.name, err)
	}
	r.emit(Event{Step: StepSaved, Message: saved})
	checkpoint("saved")
	return r, nil
}

// Load picks up the rotation pending on the named account, in whatever
// state it was saved (ErrNoPending when there is none).
func Load(f *vault.File, name string, opts Options) (*Rotation, error) {
	a := f.Vault.Find(name)
	if a == nil {
		return nil, fmt.Errorf("account %q: %w", name, ErrNoAccount)
	}
	if a.Pending == nil {
		return nil, fmt.Errorf("account %q: %w", a.Name, ErrNoPending)
	}
	r := &Rotation{f: f, id: a.ID, name: a.Name, pw: a.Pending.Password, old: a.Password, opts: opts.forAccount(a)}
	r.rep.Account = a.Name
	switch a.Pending.State {
	case vault.PendingApplied:
		r.state = StateApplied
	case vault.PendingVerified:
		r.state = StateVerified
	default:
		r.state = StatePending
	}
	return r, nil
}

// PendingAccounts lists the accounts with a rotation pending, by name: for
// a banner at unlock, or to resume them all.
func PendingAccounts(v *vault.Vault) []*vault.Account {
	var out []*vault.Account
	for _, a := range v.Accounts {
		if a.Pending != nil {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(x, y *vault.Account) int {
		return strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	return out
}

// Account is the name of the account being rotated.
func (r *Rotation) Account() string { return r.name }

// State is how far the rotation got.
func (r *Rotation) State() State { return r.state }

// NewPassword is the password being rotated to, for the person to set at
// the provider by hand. Show it only where secrets may be shown.
func (r *Rotation) NewPassword() string { return r.pw }

// Report is what happened so far.
func (r *Rotation) Report() Report {
	rep := r.rep
	rep.State = r.state
	rep.Warnings = slices.Clone(r.rep.Warnings)
	return rep
}

// account finds the rotated account and checks that its pending rotation
// is still ours: another process or screen may have changed the vault.
func (r *Rotation) account() (*vault.Account, error) {
	if r.state == StateCommitted || r.state == StateAborted {
		return nil, fmt.Errorf("account %q: %w (%s)", r.name, ErrRotationFinished, r.state)
	}
	a := r.f.Vault.FindID(r.id)
	if a == nil {
		return nil, fmt.Errorf("account %q: %w: the account is gone", r.name, ErrConflict)
	}
	if a.Pending == nil || a.Pending.Password != r.pw {
		return nil, fmt.Errorf("account %q: %w", r.name, ErrConflict)
	}
	return a, nil
}

// setState records a new pending state ("" keeps it) and note, and saves;
// on a failed save the pending rotation is left as it was.
func (r *Rotation) setState(s vault.PendingState, note string) error {
	a, err := r.account()
	if err != nil {
		return err
	}
	before := *a.Pending
	if s == "" {
		s = a.Pending.State
	}
	a.Pending.State, a.Pending.Note, a.Pending.Updated = s, note, r.now()
	if err := r.save(); err != nil {
		if a := r.f.Vault.FindID(r.id); a != nil && a.Pending != nil {
			*a.Pending = before
		}
		return fmt.Errorf("account %q: save rotation state %s: %w", r.name, s, err)
	}
	return nil
}

// save writes the vault. A change made on disk by someone else meanwhile
// (a sync tool, another machine) is merged rather than refused: refusing
// would strand a password the provider may already have. Merge conflicts
// become warnings. f.Vault may be replaced, so callers look the account
// up again afterwards.
func (r *Rotation) save() error {
	cs, err := r.f.SaveMerged()
	for _, c := range cs {
		r.warn("the vault was changed elsewhere meanwhile and merged: "+c.String(), nil)
	}
	return err
}

func (r *Rotation) emit(e Event) {
	if r.opts.Progress != nil {
		e.Account = r.name
		// Servers and hooks are not supposed to echo a password; if one
		// does, it still goes no further.
		e.Message = redact(e.Message, r.pw, r.old)
		e.Output = redact(e.Output, r.pw, r.old)
		r.opts.Progress(e)
	}
}

func (r *Rotation) now() time.Time {
	if r.opts.Now != nil {
		return r.opts.Now()
	}
	return time.Now()
}
