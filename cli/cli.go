// Package cli is imapvault's command line: one file per command, the global
// flags, exit codes and the error/hint printer. main only calls Main.
package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes are part of the command-line contract.
const (
	exitOK      = 0 // all well
	exitFound   = 1 // something failed or was found
	exitFailure = 2 // usage, vault or I/O error
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

// Main hardens the process, runs one command line (args without the
// program name) on the real stdin/stdout/stderr and returns the exit code.
func Main(args []string) int {
	hardenProcess()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	return run(e, args)
}

// run executes one command line and returns the exit code.
func run(e *env, args []string) int {
	args, err := e.parseGlobals(args)
	if err != nil {
		return e.report(usageErr(err, "run imapvault --help for the global flags"))
	}
	name := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	switch name {
	case "":
		if len(args) > 0 && isHelp(args[0]) {
			printMainHelp(e.stdout)
			return exitOK
		}
		if len(args) > 0 {
			return e.report(usageErr(fmt.Errorf("unknown flag %s", args[0]), "run imapvault --help"))
		}
		name = "tui"
	case "help":
		if len(args) == 0 {
			printMainHelp(e.stdout)
			return exitOK
		}
		name, args = args[0], []string{"--help"}
	}
	c, ok := commands[name]
	if !ok {
		return e.report(usageErr(fmt.Errorf("unknown command %q", name), "run imapvault --help for the list of commands"))
	}
	return e.report(c.run(e, args))
}

func isHelp(s string) bool { return s == "-h" || s == "--help" || s == "-help" }

func printMainHelp(w io.Writer) {
	fmt.Fprint(w, `imapvault keeps your IMAP mailbox passwords in one age-encrypted vault,
logs in to each server to prove they work, flags what is stale, reused,
weak, breached or badly secured, and rotates passwords safely.

Usage:
  imapvault                 open the TUI on your vault
  imapvault COMMAND [flags] [args]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n, c := range commands {
		if c.summary != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Global flags (anywhere on the line):
  --vault PATH            vault file (env IMAPVAULT_VAULT; default $XDG_DATA_HOME/imapvault/vault.age)
  --identity FILE         age identity or SSH key (env IMAPVAULT_IDENTITY;
                          default $XDG_CONFIG_HOME/imapvault/identity.age)
  --passphrase-file FILE  read the identity's passphrase from FILE instead of the terminal
  --allow-shared-folder   use a vault whose folder or file others can write
                          (env IMAPVAULT_ALLOW_SHARED_FOLDER=1; refused by default)

Exit codes: 0 all well, 1 something failed or was found, 2 usage, vault or I/O error.
Run 'imapvault COMMAND --help' for a command's flags.
`)
}
