package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/vault"
)

// readProviderPassword reads the provider's password from the first line
// of standard input (a trailing CR LF or LF is dropped) and checks it
// locally: no line break, CR or NUL may remain, and it must not be empty.
func readProviderPassword(e *env) (string, error) {
	pw, err := readLine(e.stdin)
	if err != nil {
		return "", usageErr(fmt.Errorf("read the provider's password from standard input: %w", err), "pipe the password in as the first line")
	}
	if err := rotate.CheckProviderPassword(pw, ""); err != nil {
		return "", usageErr(err, "")
	}
	return pw, nil
}

// providerOptions are the options to rotate a with: for an account whose
// provider makes its passwords (policy source "provider"), with no
// password given yet, the person pastes it in the terminal, unechoed. The
// other accounts keep opts as they are.
func providerOptions(e *env, tty *os.File, a *vault.Account, opts rotate.Options) (rotate.Options, error) {
	if a == nil || opts.NewPassword != "" || opts.Hook != "" || a.Policy == nil || a.Policy.Source != vault.SourceProvider {
		return opts, nil
	}
	if tty == nil {
		return opts, fmt.Errorf("account %q: %w: its provider makes the passwords and there is no terminal to paste one in; "+
			"use --new-password-stdin", a.Name, rotate.ErrNoApplyMethod)
	}
	b, err := e.readUnechoed(tty, fmt.Sprintf("%s: the provider makes this account's passwords. Create a new one there (an app password, say),\n"+
		"then paste it here; it is saved as pending and kept only once it logs in.\nNew password (not shown): ", a.Name))
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("nothing was pasted")
		}
		return opts, fmt.Errorf("account %q: read the provider's password: %w", a.Name, err)
	}
	pw := string(b)
	clear(b)
	if err := rotate.CheckProviderPassword(pw, a.Password); err != nil {
		return opts, fmt.Errorf("account %q: %w", a.Name, err)
	}
	opts.NewPassword, opts.Confirm = pw, nil
	return opts, nil
}

// afterError turns a committed rotation whose after command failed into
// exit code 1: the password is rotated, but a client may not have followed.
func afterError(rep rotate.Report) error {
	if rep.AfterErr == nil {
		return nil
	}
	return &cliError{code: exitFound, err: fmt.Errorf("account %q: the new password is committed, but %w", rep.Account, rep.AfterErr),
		hint: "run the after command yourself so the clients follow; the new password is current"}
}
