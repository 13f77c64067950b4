package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "audit", summary: "list what needs doing: stale, reused, weak, breached, failing, badly secured", run: runAudit})
}

func runAudit(e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "accept":
			return runAccept(e, args[1:])
		case "unaccept":
			return runUnaccept(e, args[1:])
		case "accepted":
			return runAccepted(e, args[1:])
		}
	}
	fs := e.flags("audit", "audit [--json] [--max-age 365d] [--breached FILE]\n       imapvault audit accept NAME KIND [--note TEXT] [--until YYYY-MM-DD]\n       imapvault audit unaccept NAME KIND\n       imapvault audit accepted", `
Reports what needs doing, worst first: stale (password older than the max
age), reused (same password on several accounts, or back to an old one),
weak, breached (found in an offline Pwned Passwords file), login_failed (from
the last 'imapvault check'), tls (bad or expiring certificate, cleartext) and
exposed (a removed recipient could have read the password).

The breach file is the downloadable Pwned Passwords list ordered by hash:
lines of SHA1:COUNT. It is searched in place, never loaded whole.

'audit accept' hides one kind of finding for one account (with a note and an
optional end date); 'audit accepted' lists those. The exit code is 1 when
there are findings, 0 when the vault is clean.`)
	asJSON := fs.Bool("json", false, `print {"findings": [{account, kind, severity, message}]}; a reused password's findings add "group": {id, size}`)
	maxAge := fs.String("max-age", "", "maximum password `age`, like 365d, 52w, 12mo or 1y (default: the vault's setting, 365d)")
	breached := fs.String("breached", "", "Pwned Passwords `FILE` (SHA1:COUNT lines, sorted by hash)")
	all := fs.Bool("all", false, "also show accepted findings")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("unknown audit argument %q", pos[0]), "run 'imapvault audit --help'")
	}
	opts := audit.Options{Now: time.Now(), IncludeAccepted: *all}
	if *maxAge != "" {
		if opts.MaxAge, err = audit.ParseMaxAge(*maxAge); err != nil {
			return usageErr(err, "")
		}
	}
	if *breached != "" {
		bf, err := audit.OpenBreachFile(*breached)
		if err != nil {
			return withHint(err, "use the Pwned Passwords SHA-1 file ordered by hash (lines of SHA1:COUNT)")
		}
		defer bf.Close()
		opts.Breached = bf
	}
	if _, err := os.Stat(e.vaultPath); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("open vault %s: %w", e.vaultPath, vault.ErrNotFound)
	}
	id, err := e.identity()
	if err != nil {
		return err
	}
	f, err := vault.Open(e.vaultPath, id)
	if err != nil {
		return err
	}
	e.scoreAndKeep(f, id)
	findings, err := audit.Run(f.Vault, opts)
	if err != nil {
		return withHint(err, "the breach file looks damaged or unsorted; nothing was reported as clean")
	}
	if *asJSON {
		err = audit.WriteJSON(e.stdout, findings)
	} else {
		err = audit.WriteText(e.stdout, findings, e.colorOut())
	}
	if err != nil {
		return err
	}
	for _, fd := range findings {
		if fd.Accepted == nil {
			return errFound
		}
	}
	return nil
}

// colorOut reports whether stdout is a terminal that wants colour.
func (e *env) colorOut() bool {
	f, ok := e.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && e.getenv("NO_COLOR") == "" && e.getenv("TERM") != "dumb"
}

func runAccept(e *env, args []string) error {
	fs := e.flags("audit accept", "audit accept NAME KIND [--note TEXT] [--until YYYY-MM-DD]", `
Accepts one kind of finding for one account, so it stops showing (for
example 'weak' on a provider that caps password length). KIND is one of
stale, reused, weak, breached, login_failed, tls, exposed.`)
	note := fs.String("note", "", "why it is accepted")
	until := fs.String("until", "", "accept only until this date, `YYYY-MM-DD`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr(fmt.Errorf("audit accept takes NAME and KIND"), "imapvault audit accept work weak --note 'provider caps length'")
	}
	kind, err := audit.ParseKind(pos[1])
	if err != nil {
		return usageErr(err, "")
	}
	var untilT *time.Time
	if *until != "" {
		d, err := time.ParseInLocation("2006-01-02", *until, time.Local)
		if err != nil {
			return usageErr(fmt.Errorf("--until %q is not a date", *until), "write it as YYYY-MM-DD")
		}
		untilT = &d
	}
	a, err := e.editAccount(pos[0], func(_ *vault.Vault, a *vault.Account) error {
		if err := audit.Accept(a, kind, *note, untilT, time.Now()); err != nil {
			return usageErr(err, "")
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "accepted %s on %s\n", kind, line(a.Name))
	return nil
}

func runUnaccept(e *env, args []string) error {
	fs := e.flags("audit unaccept", "audit unaccept NAME KIND", "Withdraws an acceptance, so the finding shows again.")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr(fmt.Errorf("audit unaccept takes NAME and KIND"), "")
	}
	kind, err := audit.ParseKind(pos[1])
	if err != nil {
		return usageErr(err, "")
	}
	a, err := e.editAccount(pos[0], func(_ *vault.Vault, a *vault.Account) error {
		if !audit.Unaccept(a, kind) {
			return usageErr(fmt.Errorf("%s was not accepted on %s", kind, a.Name), "'imapvault audit accepted' lists what is")
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s on %s shows again\n", kind, line(a.Name))
	return nil
}

func runAccepted(e *env, args []string) error {
	fs := e.flags("audit accepted", "audit accepted", "Lists the accepted findings still in force.")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	f, err := e.open()
	if err != nil {
		return err
	}
	return audit.WriteAccepted(e.stdout, audit.ListAccepted(f.Vault, time.Now()))
}
