package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

// cliError carries an exit code and a hint line for the person.
type cliError struct {
	code int
	err  error
	hint string
}

func (e *cliError) Error() string { return e.err.Error() }
func (e *cliError) Unwrap() error { return e.err }

func usageErr(err error, hint string) error {
	return &cliError{code: exitFailure, err: err, hint: hint}
}

func withHint(err error, hint string) error {
	return &cliError{code: exitFailure, err: err, hint: hint}
}

// maxErrorRunes caps an error or hint line: long enough for any of ours
// with a path or two in it, short enough that a hostile text cannot flood.
const maxErrorRunes = 2000

// errFound ends a command that ran fine but found problems (exit 1). It
// prints nothing more: the command already said what it found.
var errFound = errors.New("found problems")

// silentExit ends a command that has already said everything with a chosen
// exit code (check --nagios: 1 WARNING, 2 CRITICAL).
type silentExit int

func (s silentExit) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// report prints err as "imapvault: error: ..." plus a hint line, and
// returns the exit code. It is the one place user-facing failures go out:
// every piece of 4 or more characters of the secrets given is redacted and
// the text is made safe for a terminal (an error can quote a server, a
// file or an account field), on one line each.
func report(w io.Writer, err error, vaultPath string, secrets ...string) int {
	return reportKeeping(w, err, vaultPath, nil, secrets...)
}

// reportKeeping is report that never hides a piece of keep (see
// vault.RedactKeeping).
func reportKeeping(w io.Writer, err error, vaultPath string, keep []string, secrets ...string) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if errors.Is(err, errFound) {
		return exitFound
	}
	var se silentExit
	if errors.As(err, &se) {
		return int(se)
	}
	code, hint := exitFailure, hintFor(err, vaultPath)
	var ce *cliError
	if errors.As(err, &ce) {
		code = ce.code
		if ce.hint != "" {
			hint = ce.hint
		}
	}
	fmt.Fprintf(w, "imapvault: error: %s\n", termtext.LineN(vault.RedactKeeping(err.Error(), keep, secrets...), maxErrorRunes))
	if hint != "" {
		// Hints are ours (names at most, never a secret): not redacted, so
		// a password that happens to share a word with them cannot garble them.
		fmt.Fprintf(w, "imapvault: hint: %s\n", termtext.LineN(hint, maxErrorRunes))
	}
	return code
}

// redactedErr is err with a secret removed where it appears whole.
type redactedErr struct {
	err    error
	secret string
}

func (r redactedErr) Error() string {
	return strings.ReplaceAll(r.err.Error(), r.secret, vault.Redacted)
}
func (r redactedErr) Unwrap() error { return r.err }

// hintFor says what to do about the vault errors people meet most.
func hintFor(err error, vaultPath string) string {
	var locked *vault.LockedError
	var ver *vault.VersionError
	switch {
	case errors.Is(err, vault.ErrNotFound):
		return "run 'imapvault init' to create a vault, or pass --vault PATH"
	case errors.Is(err, vault.ErrWrongPassphrase):
		return "check the passphrase of your identity file and try again"
	case errors.Is(err, vault.ErrPluginRefused):
		return "the vault is fine; check the PIN or touch your key, then try again"
	case errors.Is(err, vault.ErrPluginMissing):
		return "install the age plugin named in the error and make sure it is on PATH"
	case errors.Is(err, vault.ErrNoIdentity):
		return "this vault is not encrypted to your identity; pass the right one with --identity FILE"
	case errors.Is(err, vault.ErrCorrupt):
		return fmt.Sprintf("the file was left untouched; the last encrypted backups are in %s (copy one over the vault to restore it)", vault.BackupDir(vaultPath))
	case errors.As(err, &ver):
		return "upgrade imapvault to open this vault; it was left untouched"
	case errors.As(err, &locked):
		return "wait for the other imapvault to finish, or close it"
	case errors.Is(err, vault.ErrUntrusted):
		return untrustedHint(err, vaultPath)
	case errors.Is(err, vault.ErrUnsafePath):
		return unsafeHint(err)
	case errors.Is(err, vault.ErrChangedOnDisk):
		return "another program changed the vault since it was opened; run the command again"
	case errors.Is(err, vault.ErrExists):
		return "use the existing vault, or pass --vault PATH for a new one"
	case errors.Is(err, os.ErrNotExist):
		return "check the path"
	}
	return ""
}
