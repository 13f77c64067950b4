package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "get", summary: "print one field of one account (a mail client's password command)", run: runGet})
}

// exitLocked: the vault is locked and there is no way to ask (no unlocked
// agent, no terminal, or --no-prompt).
const exitLocked = 3

// getLocked is the error of a get that can't ask: one line on stderr, at
// once, never a prompt or a wait. It names the socket it asked and what it
// found there, and, where this process has no XDG_RUNTIME_DIR (cron), where
// the desktop session's agent listens instead and how to point here at it.
func (e *env) getLocked(noPrompt bool) error {
	w := agent.Locate(e.getenv)
	c, _, err := agent.Unlocked(e.getenv, e.identityPath)
	if c != nil {
		c.Close()
	}
	why := "no terminal to ask for the passphrase"
	if noPrompt {
		why = "--no-prompt says not to ask for the passphrase"
	}
	msg := fmt.Sprintf("locked: run 'imapvault unlock' first (%s, and %s)", w.Lost(err), why)
	if hint := w.Elsewhere(); hint != "" {
		msg += "; " + hint
	}
	return &cliError{code: exitLocked, err: errors.New(msg)}
}

func runGet(e *env, args []string) error {
	fs := e.flags("get", "get NAME [--field F] [--no-prompt] | get --host H [--user U] [--field F]", `
Prints one field of one account and a newline, for a mail client's
password command (mbsync PassCmd, msmtp passwordeval, aerc
source-cred-cmd, ...): the password unless --field says otherwise.

It asks this session's agent when the agent is unlocked (no prompt at
all); opens the vault itself when the identity needs no passphrase; in a
terminal it asks the passphrase once and unlocks the agent for the next
calls; otherwise it fails at once with exit status 3.

imapvault-get takes the same command line and answers from the agent
in a few milliseconds (this binary needs ~20 just to start); whatever the
agent can't answer it hands to 'imapvault get'. client-config uses it
when it is on PATH.

Exit status: 0 printed, 1 no such account, 2 usage or vault error,
3 locked and no way to ask.`)
	field := fs.String("field", "password", "what to print: "+strings.Join(agent.FieldNames(), ", "))
	host := fs.String("host", "", "find the account by its server instead of its name")
	user := fs.String("user", "", "with --host: the login name, when several accounts share the server")
	noPrompt := fs.Bool("no-prompt", false, "never ask for a passphrase: exit 3 when locked")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	q := agent.Query{Host: *host, User: *user, Field: *field}
	switch {
	case len(pos) > 1:
		return usageErr(fmt.Errorf("get takes one account name, got %d", len(pos)), "run 'imapvault get --help'")
	case len(pos) == 1 && *host != "":
		return usageErr(errors.New("give an account name or --host, not both"), "run 'imapvault get --help'")
	case len(pos) == 0 && *host == "":
		return usageErr(errors.New("get needs an account name or --host"), "'imapvault list' shows the names")
	case *user != "" && *host == "":
		return usageErr(errors.New("--user goes with --host"), "run 'imapvault get --help'")
	case len(pos) == 1:
		q.Name = pos[0]
	}
	if _, ok := agent.Fields[q.Field]; !ok {
		return usageErr(fmt.Errorf("unknown field %q", q.Field), "--field takes one of "+strings.Join(agent.FieldNames(), ", "))
	}
	vaultPath := agent.AbsPath(e.vaultPath)
	if q.Field == "token" {
		return e.getToken(vaultPath, q, *noPrompt)
	}

	if done, err := e.getFromAgent(vaultPath, q); done {
		return err
	}
	kind, err := vault.DetectIdentity(e.identityPath)
	if err != nil {
		return err
	}
	if !kind.NeedsPassphrase() || e.passphraseFile != "" {
		id, err := e.identity()
		if err != nil {
			return err
		}
		return e.getFromVault(vaultPath, id, q)
	}
	if *noPrompt || !e.hasTerminal() {
		return e.getLocked(*noPrompt)
	}
	ttl, max, err := e.unlockLimits()
	if err != nil {
		return err
	}
	var answered error
	id, err := e.unlockAgent(ttl, max, func() bool {
		done, err := e.getFromAgent(vaultPath, q)
		answered = err
		return done
	})
	if id == nil && err == nil {
		return answered // another get unlocked the agent while we waited
	}
	if err != nil {
		if id == nil {
			return err
		}
		fmt.Fprintf(e.stderr, "imapvault: warning: the agent was not unlocked: %s\n", line(err.Error()))
	}
	return e.getFromVault(vaultPath, id, q)
}

// getFromAgent asks the agent when it is unlocked for this identity file;
// done is false when it is not (not running, locked, or holding another
// identity) and the caller should go on.
func (e *env) getFromAgent(vaultPath string, q agent.Query) (done bool, err error) {
	c, _, err := agent.Unlocked(e.getenv, e.identityPath)
	if errors.Is(err, agent.ErrUntrusted) {
		return true, err // exit 2: never the vault behind someone's back
	}
	if err != nil {
		return false, nil
	}
	defer c.Close()
	v, err := c.Get(vaultPath, q)
	if errors.Is(err, agent.ErrLocked) {
		return false, nil
	}
	if err != nil {
		return true, getErr(err)
	}
	return true, e.printValue(q, v)
}

func (e *env) getFromVault(vaultPath string, id *vault.Identity, q agent.Query) error {
	f, err := vault.Open(vaultPath, id)
	if err != nil {
		return err
	}
	v, err := agent.Lookup(f.Vault, q)
	if err != nil {
		return getErr(err)
	}
	return e.printValue(q, v)
}

// printValue prints a field and a newline. A password saved before control
// characters were refused goes to a pipe exactly as stored (the mail client
// needs it whole), but never to a terminal, which would act on it.
func (e *env) printValue(q agent.Query, v string) error {
	if pos, _, bad := vault.FirstControl(v); bad && e.stdoutIsTerminal() {
		return &cliError{code: exitFailure,
			err:  fmt.Errorf("the %s holds a control character at character %d: not printed to a terminal, which would act on it", q.Field, pos),
			hint: "a pipe gets it exactly ('imapvault get NAME | your-client'); give the account a new password with 'imapvault rotate'"}
	}
	_, err := fmt.Fprintln(e.stdout, v)
	return err
}

func getErr(err error) error {
	switch {
	case errors.Is(err, agent.ErrNoAccount):
		return &cliError{code: exitFound, err: err, hint: "'imapvault list' shows the names"}
	case errors.Is(err, agent.ErrAmbiguous), errors.Is(err, agent.ErrUnknownField):
		return usageErr(err, "")
	}
	return err
}

// getToken prints a fresh OAuth2 access token (refreshed when less than
// five minutes remain). A refresh may rotate the refresh token, which is
// saved under the vault's lock before anything else, so this runs in our
// own process: with the agent's identity when it is unlocked (the key
// stays in the agent), else as the password path would (plain identity,
// passphrase file, or one prompt that unlocks the agent too).
func (e *env) getToken(vaultPath string, q agent.Query, noPrompt bool) error {
	id, err := e.agentIdentityOrRefusal()
	if err != nil {
		return err
	}
	if id == nil {
		kind, err := vault.DetectIdentity(e.identityPath)
		if err != nil {
			return err
		}
		switch {
		case !kind.NeedsPassphrase() || e.passphraseFile != "":
			if id, err = e.identity(); err != nil {
				return err
			}
		case noPrompt || !e.hasTerminal():
			return e.getLocked(noPrompt)
		default:
			ttl, max, err := e.unlockLimits()
			if err != nil {
				return err
			}
			if id, err = e.unlockAgent(ttl, max, nil); id == nil {
				return err
			} else if err != nil {
				fmt.Fprintf(e.stderr, "imapvault: warning: the agent was not unlocked: %s\n", line(err.Error()))
			}
		}
	}
	f, err := e.seen(vault.Open(vaultPath, id))
	if err != nil {
		return err
	}
	a, err := agent.Find(f.Vault, q)
	if err != nil {
		return getErr(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := AccessToken(ctx, vaultPath, id, a)
	if err != nil {
		return err
	}
	e.secrets = append(e.secrets, tok)
	_, err = fmt.Fprintln(e.stdout, tok)
	return err
}
