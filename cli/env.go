package cli

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
	"golang.org/x/term"

	"github.com/imapvault/imapvault/vault"
)

// env is what a command runs with: its streams and the global flags.
// Tests build one per call instead of touching the process's own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	vaultPath      string
	identityPath   string
	passphraseFile string

	// tty, when set, stands for "no terminal" in tests.
	tty func() bool

	// opened and secrets are what report redacts from an error: the
	// secrets of every vault the command opened (read when the error is
	// printed, so a password generated meanwhile counts too) and secrets
	// that came in otherwise (stdin, an import file).
	opened  []*vault.Vault
	secrets []string
	// involved, once a command names the accounts it works on (rotate
	// bob), narrows redaction to their secrets: another account's password
	// must not hide words in bob's output. Empty: every opened secret.
	involved       map[string]bool // account ids
	passphraseText string          // redacted whole only: it never passes a hook, a CSV cell or a server
	// help, when set, receives a command's help as data instead of
	// printing it (the man page and completion read it; help.go).
	help      *helpDoc
	announced map[string]bool // new recipients already announced (cmd_trust.go)
}

func (e *env) report(err error) int {
	secrets, keep := e.redaction()
	if e.passphraseText != "" && err != nil {
		err = redactedErr{err, e.passphraseText}
	}
	return reportKeeping(e.stderr, err, e.vaultPath, keep, secrets...)
}

// involve narrows redaction to these accounts' secrets (see involved).
// Call it before any goroutine redacts.
func (e *env) involve(accounts ...*vault.Account) {
	if e.involved == nil {
		e.involved = map[string]bool{}
	}
	for _, a := range accounts {
		e.involved[a.ID] = true
	}
}

// redaction is what to hide (the secrets in play) and what never to hide
// (every opened account's name, username and hosts).
func (e *env) redaction() (secrets, keep []string) {
	secrets = append([]string(nil), e.secrets...)
	for _, v := range e.opened {
		keep = append(keep, v.Public()...)
		if len(e.involved) == 0 {
			secrets = append(secrets, v.Secrets()...)
			continue
		}
		for _, a := range v.Accounts {
			if e.involved[a.ID] {
				secrets = append(secrets, a.Secrets()...)
			}
		}
	}
	return secrets, keep
}

// seen notes an opened vault for report's redaction and passes it on.
func (e *env) seen(f *vault.File, err error) (*vault.File, error) {
	if f != nil && f.Vault != nil {
		e.opened = append(e.opened, f.Vault)
	}
	return f, err
}

// globalFlags take a value and may appear anywhere on the line.
var globalFlags = map[string]bool{"vault": true, "identity": true, "passphrase-file": true}

// parseGlobals takes the global flags out of args, wherever they are, and
// fills the paths from the environment and XDG defaults.
func (e *env) parseGlobals(args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if a == "--allow-shared-folder" {
			vault.AllowSharedFolder = true // see vault/folder_unix.go
			continue
		}
		if !strings.HasPrefix(a, "-") || !globalFlags[name] {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		switch name {
		case "vault":
			e.vaultPath = val
		case "identity":
			e.identityPath = val
		case "passphrase-file":
			e.passphraseFile = val
		}
	}
	if e.getenv("IMAPVAULT_ALLOW_SHARED_FOLDER") == "1" {
		vault.AllowSharedFolder = true
	}
	if e.vaultPath == "" {
		e.vaultPath = e.getenv("IMAPVAULT_VAULT")
	}
	if e.vaultPath == "" {
		e.vaultPath = filepath.Join(xdg.DataHome, "imapvault", "vault.age")
	}
	if e.identityPath == "" {
		e.identityPath = e.getenv("IMAPVAULT_IDENTITY")
	}
	if e.identityPath == "" {
		e.identityPath = filepath.Join(xdg.ConfigHome, "imapvault", "identity.age")
	}
	return rest, nil
}

// terminal returns the terminal to ask secrets on: stdin when it is one,
// else /dev/tty (so --password-stdin can be piped while the passphrase is
// still typed). Tests set e.tty to keep their hands off the real one.
func (e *env) terminal() (*os.File, bool, error) {
	if e.tty != nil {
		return nil, false, errNoTerminal
	}
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f, false, nil
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(f.Fd())) {
		if f != nil {
			f.Close()
		}
		return nil, false, errNoTerminal
	}
	return f, true, nil
}

// readSecret reads a secret from the terminal without echo.
func (e *env) readSecret(prompt string) ([]byte, error) {
	t, owned, err := e.terminal()
	if err != nil {
		return nil, err
	}
	if owned {
		defer t.Close()
	}
	b, err := e.readUnechoed(t, prompt)
	if err != nil {
		return nil, fmt.Errorf("read from terminal: %w", err)
	}
	return b, nil
}

// readUnechoed prints prompt and reads one line from the terminal t with
// echo off from before the prompt shows (echoOff).
func (e *env) readUnechoed(t *os.File, prompt string) ([]byte, error) {
	restore := echoOff(int(t.Fd()))
	defer restore()
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(int(t.Fd()))
	fmt.Fprintln(e.stderr)
	return b, err
}

var errNoTerminal = errors.New("no terminal to ask for a passphrase")

// passphrase returns the identity passphrase from --passphrase-file or the
// terminal.
func (e *env) passphrase() ([]byte, error) {
	if e.passphraseFile != "" {
		b, err := os.ReadFile(e.passphraseFile)
		if err != nil {
			return nil, fmt.Errorf("read passphrase file: %w", err)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, fmt.Errorf("passphrase file %s is empty", e.passphraseFile)
		}
		e.passphraseText = string(b)
		return b, nil
	}
	p, err := e.readSecret(fmt.Sprintf("Passphrase for %s: ", e.identityPath))
	if errors.Is(err, errNoTerminal) {
		return nil, withHint(err, "pass --passphrase-file FILE, or use a plain age identity with --identity")
	}
	return p, err
}

// identity loads the identity file, asking for its passphrase if needed;
// while this session's agent is unlocked for that file, it asks the agent
// instead and never prompts (agentenv.go).
func (e *env) identity() (*vault.Identity, error) {
	if id := e.agentIdentity(); id != nil {
		return id, nil
	}
	id, err := vault.LoadIdentity(e.identityPath, e.passphrase)
	if errors.Is(err, os.ErrNotExist) {
		return nil, withHint(err, "run 'imapvault init' to create one, or pass --identity FILE")
	}
	return id, err
}

// open unlocks the vault for reading.
func (e *env) open() (*vault.File, error) {
	if _, err := os.Stat(e.vaultPath); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open vault %s: %w", e.vaultPath, vault.ErrNotFound)
	}
	id, err := e.identity()
	if err != nil {
		return nil, err
	}
	f, err := e.seen(vault.Open(e.vaultPath, id))
	if err == nil {
		e.announce(f)
	}
	return f, err
}

// openLocked unlocks the vault and holds its writer lock until Close.
func (e *env) openLocked() (*vault.File, error) {
	if _, err := os.Stat(e.vaultPath); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("open vault %s: %w", e.vaultPath, vault.ErrNotFound)
	}
	id, err := e.identity()
	if err != nil {
		return nil, err
	}
	f, err := e.seen(vault.OpenLocked(e.vaultPath, id))
	if err == nil {
		e.announce(f)
	}
	return f, err
}

// readLine reads one line of stdin, without its line ending.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("standard input is empty")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// flags builds a command's flag set with a usage text that explains it.
func (e *env) flags(name, usage, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		if e.help != nil {
			e.help.capture(fs, usage, about)
			return
		}
		w := e.stdout
		fmt.Fprintf(w, "Usage: imapvault %s\n\n%s\n", usage, strings.TrimSpace(about))
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(w, "\nFlags:")
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(e.stderr)
		}
		fmt.Fprintln(w, "\nGlobal flags: --vault PATH, --identity FILE, --passphrase-file FILE (see imapvault --help).")
	}
	return fs
}

// parse parses args with flags and positionals in any order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	for _, a := range args {
		if isHelp(a) {
			fs.Usage()
			return nil, flag.ErrHelp
		}
	}
	// Parse errors are reported once, by report, not by the flag package.
	usage, out := fs.Usage, fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	defer func() { fs.Usage = usage; fs.SetOutput(out) }()
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageErr(err, fmt.Sprintf("run 'imapvault %s --help'", fs.Name()))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// findAccount looks an account up by name for a command, or says how to
// find the names.
func findAccount(v *vault.Vault, name string) (*vault.Account, error) {
	a := v.Find(name)
	if a == nil {
		return nil, usageErr(fmt.Errorf("no account named %q", name), "'imapvault list' shows the names")
	}
	return a, nil
}

// editAccount changes one account under the vault's lock and saves,
// merging with what another program saved meanwhile.
func (e *env) editAccount(name string, edit func(v *vault.Vault, a *vault.Account) error) (*vault.Account, error) {
	f, err := e.openLocked()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := findAccount(f.Vault, name)
	if err != nil {
		return nil, err
	}
	if err := edit(f.Vault, a); err != nil {
		return nil, err
	}
	return a, e.saveMerged(f)
}

// stderrIsTerminal reports whether progress lines on stderr would be seen.
func (e *env) stderrIsTerminal() bool {
	f, ok := e.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
