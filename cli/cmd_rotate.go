package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "rotate", summary: "change a password, prove the new one logs in, then keep it", run: runRotate})
}

func runRotate(e *env, args []string) error {
	fs := e.flags("rotate", "rotate NAME... [--hook CMD] [--after CMD] [--length N] [--verify-timeout 30s] [--resume | --abort]\n       imapvault rotate NAME --new-password-stdin\n       imapvault rotate --finding stale,weak,... --hook CMD\n       imapvault rotate --recipes", `
Rotates an account's password without ever losing one: a new password is
generated and saved in the vault as pending, set at the provider, proven by
logging in with it, and only then made current, with the old one kept in the
account's history. Until then the old password stays current.

With --hook the command CMD sets it, run as 'sh -c CMD': its standard input
is two lines, the old and the new password; its environment is described
below and holds no secret. Read the lines with 'IFS= read -r old; IFS= read -r new', and pass
them on through a pipe (printf is a shell builtin), never as arguments, e.g.:
  --hook 'IFS= read -r old; IFS= read -r new; printf "%s\n%s\n" "$old" "$new" | ssh mail passwd-set "$IMAPVAULT_USERNAME"'
Without --hook, in a terminal, the new password is shown there
for you to set at the provider; press Enter once it is set.

--hook recipe:NAME uses a recipe shipped with imapvault (Dovecot passwd-file,
LDAP, mailcow, Mail-in-a-Box, Stalwart, Zimbra/Carbonio, Mailu, Plesk, any of
them over ssh);
'imapvault rotate --recipes' lists them with the settings each one needs.

When the provider makes the password (app passwords, web panels), give it
with --new-password-stdin (its first line of standard input): it is saved as
pending, proven by logging in, and only then made current. An account added
with '--password-source provider' asks for it in the terminal by itself.

--after CMD (or the account's, from 'add --after') runs 'sh -c CMD' once the
new password is committed, never otherwise: restart a sync timer, reload a
client. It gets the hook's environment and nothing on standard input.

If the new password does not log in within --verify-timeout, the rotation
stays pending: --resume tries again and commits, --abort drops it (the
unverified password is kept in history in case the provider did take it).
--resume without a name finishes every pending rotation.

Several names, or --finding, rotate one account after another, go on past
failures and end with a summary. Exit code: 0 all committed, 1 a hook or a
verification failed (the rotation stays pending), 2 usage or vault error.

`+hookEnvHelp)
	hook := fs.String("hook", "", "shell `command` that sets the new password at the provider (default: the account's stored hook, from 'add --hook')")
	var hookEnv envNames
	fs.Var(&hookEnv, "hook-env", "pass the environment variable `NAME` to the hook too (repeatable; names only)")
	hookTimeout := fs.Duration("hook-timeout", rotate.DefaultHookTimeout, "time limit of the hook")
	length := fs.Int("length", 0, "password `length` (default: the account's policy, else 24)")
	verifyTimeout := fs.Duration("verify-timeout", rotate.DefaultVerifyTimeout, "how long to keep trying the new password while the server catches up")
	checkOld := fs.Bool("check-old", false, "after verifying, try the old password once and warn if the server still takes it (a refused login counts as a failure there)")
	resume := fs.Bool("resume", false, "finish a pending rotation: verify it and commit")
	abort := fs.Bool("abort", false, "drop a pending, unverified rotation; the old password stays current")
	finding := fs.String("finding", "", "rotate every account with one of these audit `kinds` (stale,reused,weak,breached,exposed)")
	breached := fs.String("breached", "", "Pwned Passwords `FILE` for --finding breached")
	newStdin := fs.Bool("new-password-stdin", false, "the provider made the new password: read it from the first line of standard input")
	after := fs.String("after", "", "shell `command` run once the new password is committed (default: the account's, from 'add --after')")
	recipes := fs.Bool("recipes", false, "list the hook recipes shipped with imapvault and what each needs")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *recipes {
		return printRecipes(e.stdout)
	}
	if err := checkRecipeHook(*hook); err != nil {
		return err
	}
	switch {
	case *newStdin && (len(names) != 1 || *finding != "" || *resume || *abort || *hook != ""):
		return usageErr(errors.New("--new-password-stdin goes with one account name, and no --hook, --resume, --abort or --finding"),
			"imapvault rotate NAME --new-password-stdin < file-with-the-password")
	case *resume && *abort:
		return usageErr(errors.New("--resume and --abort exclude each other"), "")
	case *finding != "" && (*resume || *abort):
		return usageErr(errors.New("--finding starts new rotations; it does not go with --resume or --abort"), "")
	case len(names) == 0 && *finding == "" && !*resume:
		return usageErr(errors.New("name the account to rotate"), "run 'imapvault rotate NAME', or 'imapvault list' for the names")
	case *length != 0 && (*length < rotate.MinLength || *length > rotate.MaxLength):
		return usageErr(fmt.Errorf("--length %d is outside %d-%d", *length, rotate.MinLength, rotate.MaxLength), "")
	case *verifyTimeout <= 0 || *hookTimeout <= 0:
		return usageErr(errors.New("--verify-timeout and --hook-timeout must be positive"), "")
	}

	if len(names) == 1 && !*resume && !*abort && *finding == "" {
		// An oauth2 account rotates by authorising again (cli/oauth_rotate.go).
		if handled, err := e.rotateOAuth(names[0], *verifyTimeout); handled {
			return err
		}
	}
	var supplied string
	if *newStdin {
		if supplied, err = readProviderPassword(e); err != nil {
			return err
		}
		e.secrets = append(e.secrets, supplied) // redacted from any error, saved or not
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	if names, err = rotateTargets(f.Vault, names, *finding, *breached, *resume); err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(e.stdout, "nothing to rotate")
		return nil
	}
	for _, n := range names {
		if a := f.Vault.Find(n); a != nil {
			e.involve(a) // only these passwords are redacted from what it prints
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := rotate.Options{
		Hook: *hook, HookTimeout: *hookTimeout, HookEnv: hookEnv, Length: *length, VerifyTimeout: *verifyTimeout,
		TLSConfig: tlsConfig(), Progress: rotateProgress(e.stdout, e.redact), Record: lastcheck.Record,
		NewPassword: supplied, After: *after, CheckOld: *checkOld,
	}
	var tty *os.File
	if *hook == "" && !*abort && supplied == "" {
		t, owned, err := e.terminal()
		switch {
		case err == nil:
			if owned {
				defer t.Close()
			}
			tty = t
			opts.Confirm = confirmOnTerminal(t)
		case !*resume && !allCanApply(f.Vault, names):
			return withHint(fmt.Errorf("no --hook and no terminal: nobody could set the new password at the provider"),
				"give --hook CMD to set it with a script, or run in a terminal (or the TUI) to set it by hand; "+
					"for a password the provider made, --new-password-stdin")
		}
	}
	reps := make([]rotate.Report, 0, len(names))
	for _, name := range names {
		var rep rotate.Report
		switch {
		case *abort:
			rep = abortRotation(f, name)
		case *resume:
			rep, _ = rotate.Resume(ctx, f, name, opts)
		default:
			o, err := providerOptions(e, tty, f.Vault.Find(name), opts)
			if err != nil {
				rep = rotate.Report{Account: name, Err: err}
				break
			}
			rep, _ = rotate.Run(ctx, f, name, o)
		}
		reps = append(reps, rep)
		if rep.Err == nil {
			fmt.Fprintf(e.stdout, "%s: %s\n", lineN(rep.Account, nameCap), rep.State)
		}
	}
	if len(reps) == 1 {
		if err := rotateError(reps[0].Err, names[0]); err != nil {
			return err
		}
		return afterError(reps[0])
	}
	fmt.Fprint(e.stdout, "\n"+rotate.Summary(cleanReports(reps)))
	code := exitOK
	for _, rep := range reps {
		if rep.Err != nil {
			code = max(code, exitCode(rep.Err))
		} else if rep.AfterErr != nil {
			code = max(code, exitFound)
		}
	}
	if code == exitOK {
		return nil
	}
	return &cliError{code: code, err: errors.New("not every rotation finished; see the summary above"),
		hint: "a failed account keeps its old password current; 'imapvault rotate --resume' retries the pending ones"}
}

// rotateTargets resolves the accounts to work on: the named ones (which
// must exist), those with the given audit findings, or, for --resume
// alone, every account with a rotation pending.
func rotateTargets(v *vault.Vault, names []string, finding, breached string, resume bool) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	addName := func(n string) {
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	for _, n := range names {
		a, err := findAccount(v, n)
		if err != nil {
			return nil, err
		}
		addName(a.Name)
	}
	if resume && len(names) == 0 {
		for _, a := range rotate.PendingAccounts(v) {
			addName(a.Name)
		}
	}
	if finding == "" {
		return out, nil
	}
	kinds := map[audit.Kind]bool{}
	for _, s := range strings.Split(finding, ",") {
		k, err := audit.ParseKind(s)
		if err != nil {
			return nil, usageErr(err, "")
		}
		kinds[k] = true
	}
	opts := audit.Options{Now: time.Now()}
	if breached != "" {
		bf, err := audit.OpenBreachFile(breached)
		if err != nil {
			return nil, withHint(err, "use the Pwned Passwords SHA-1 file ordered by hash (lines of SHA1:COUNT)")
		}
		defer bf.Close()
		opts.Breached = bf
	}
	findings, err := audit.Run(v, opts)
	if err != nil {
		return nil, err
	}
	for _, fd := range findings {
		if kinds[fd.Kind] {
			addName(fd.Account)
		}
	}
	return out, nil
}

func abortRotation(f *vault.File, name string) rotate.Report {
	r, err := rotate.Load(f, name, rotate.Options{})
	if err == nil {
		err = r.Abort()
	}
	if err != nil {
		return rotate.Report{Account: name, Err: err}
	}
	return r.Report()
}

// confirmOnTerminal shows the new password on the terminal, and only
// there, on the alternate screen so that it does not stay in the
// scrollback, then waits for Enter.
func confirmOnTerminal(tty *os.File) func(context.Context, *rotate.Rotation) error {
	in := bufio.NewReader(tty)
	return func(ctx context.Context, r *rotate.Rotation) error {
		fmt.Fprintf(tty, "\x1b[?1049h\x1b[H\x1b[2JNew password for %s, saved in the vault as pending:\n\n    %s\n\n"+
			"Set it at the provider, then press Enter (Ctrl-C stops; the old password stays current): ",
			line(r.Account()), r.NewPassword())
		defer fmt.Fprint(tty, "\x1b[?1049l")
		line := make(chan error, 1)
		go func() { _, err := in.ReadString('\n'); line <- err }()
		select {
		case err := <-line:
			if err != nil {
				return fmt.Errorf("read the terminal: %w", err)
			}
			return nil
		case <-ctx.Done():
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
	}
}

// rotateProgress prints each step as a line for the person.
func rotateProgress(w io.Writer, redact func(string) string) func(rotate.Event) {
	return func(ev rotate.Event) {
		switch ev.Step {
		case rotate.StepAttempt, rotate.StepVerifying:
			if ev.Result != nil && !ev.Result.OK() {
				fmt.Fprintf(w, "%s: attempt %d: %s: %s\n", lineN(ev.Account, nameCap), ev.Attempt, ev.Result.Status, line(redact(ev.Result.Message)))
			}
			return
		case rotate.StepWarning:
			fmt.Fprintf(w, "%s: warning: %s\n", lineN(ev.Account, nameCap), line(redact(ev.Message)))
		case rotate.StepCommitted:
			return // the caller prints the outcome
		default:
			fmt.Fprintf(w, "%s: %s\n", lineN(ev.Account, nameCap), line(redact(ev.Message)))
		}
		if out := strings.TrimRight(ev.Output, "\n"); out != "" {
			for _, l := range strings.Split(out, "\n") {
				fmt.Fprintf(w, "    | %s\n", line(l)) // hook output: escaped, each line capped
			}
		}
	}
}

// exitCode is 1 for a rotation that failed at the hook or the login and
// stays pending, 2 for the rest.
func exitCode(err error) int {
	if rotate.Failed(err) || errors.Is(err, context.Canceled) {
		return exitFound
	}
	return exitFailure
}

// rotateError adds the exit code and a hint saying what to do next.
func rotateError(err error, name string) error {
	if err == nil {
		return nil
	}
	q := name
	if strings.ContainsAny(q, " \t'\"$") {
		q = "'" + strings.ReplaceAll(q, "'", `'\''`) + "'"
	}
	hint := ""
	switch {
	case errors.Is(err, rotate.ErrHookFailed):
		hint = fmt.Sprintf("the old password is still current; fix the hook, then 'imapvault rotate %s --resume --hook CMD', or --abort", q)
	case errors.Is(err, rotate.ErrVerifyFailed):
		hint = fmt.Sprintf("the old password is still current and the new one is kept as pending; once the provider has it, 'imapvault rotate %s --resume' (or --abort to drop it)", q)
	case errors.Is(err, context.Canceled):
		hint = fmt.Sprintf("the rotation stays pending with the old password current; 'imapvault rotate %s --resume' finishes it", q)
	case errors.Is(err, rotate.ErrPending):
		hint = fmt.Sprintf("'imapvault rotate %s --resume' finishes it; 'imapvault rotate %s --abort' drops it", q, q)
	case errors.Is(err, rotate.ErrNoPending):
		hint = fmt.Sprintf("start one with 'imapvault rotate %s'", q)
	case errors.Is(err, rotate.ErrAlreadyVerified):
		hint = fmt.Sprintf("the provider takes the new password: 'imapvault rotate %s --resume' commits it", q)
	case errors.Is(err, rotate.ErrPolicy):
		hint = "pass another --length, or relax the account's password policy"
	case errors.Is(err, rotate.ErrNoApplyMethod):
		hint = "give --hook CMD to set it with a script, or run in a terminal (or the TUI) to set it by hand"
	}
	return &cliError{code: exitCode(err), err: err, hint: hint}
}

// allCanApply reports whether every named account stores its own hook, so
// no terminal is needed to set the new passwords.
func allCanApply(v *vault.Vault, names []string) bool {
	for _, n := range names {
		if a := v.Find(n); a == nil || a.Hook == "" {
			return false
		}
	}
	return true
}
