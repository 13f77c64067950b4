// Package cli is imapvault's command line: one file per command, the global
// flags, exit codes and the error/hint printer. main only calls Main.
package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
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
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	if err := hardenProcess(); err != nil {
		// Still usable, but the person should know secrets may reach a core file.
		fmt.Fprintf(e.stderr, "imapvault: warning: %v\n", err)
	}
	return run(e, args)
}

// run executes one command line and returns the exit code.
func run(e *env, args []string) int {
	rest, err := e.parseGlobals(args)
	if err != nil {
		err = usageErr(err, "run imapvault --help for the global flags")
		if slices.Contains(args, "check") && nagiosWanted(args) {
			err = nagiosUnknownErr(e, err) // a monitoring system reads this as UNKNOWN
		}
		return e.report(err)
	}
	args = rest
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
		if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
			fmt.Fprintln(e.stdout, versionLine())
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
	fmt.Fprintf(w, "%s\n\nUsage:\n", mainAbout)
	fmt.Fprint(w, `  imapvault                 open the TUI on your vault
  imapvault COMMAND [flags] [args]

Commands:
`)
	for _, n := range visibleCommands() {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, "\nGlobal flags (anywhere on the line):\n")
	for _, g := range globalFlagDocs {
		fmt.Fprintf(w, "  %-22s  %s\n", "--"+g.name+" "+g.arg, strings.ReplaceAll(g.usage, "\n", "\n"+strings.Repeat(" ", 26)))
	}
	fmt.Fprintf(w, "\n%s\nRun 'imapvault COMMAND --help' for a command's flags.\n\n%s\n", exitCodesText, versionLine())
}

// visibleCommands are the commands help and the man page list, sorted;
// those without a summary (tui, __complete) are left out.
func visibleCommands() []string {
	names := make([]string, 0, len(commands))
	for n, c := range commands {
		if c.summary != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
