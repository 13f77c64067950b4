package cli

import (
	"errors"
	"flag"
	"io"
	"sort"
	"strings"
)

// The texts of the main help, which the man page reads too.
const (
	mainAbout = `imapvault keeps your IMAP mailbox passwords in one age-encrypted vault,
logs in to each server to prove they work, flags what is stale, reused,
weak, breached or badly secured, and rotates passwords safely.`

	exitCodesText = `Exit codes: 0 all well, 1 something failed or was found, 2 usage, vault or I/O error.`
)

// globalFlagDoc is one global flag, for help, the man page and completion.
type globalFlagDoc struct{ name, arg, usage string }

var globalFlagDocs = []globalFlagDoc{
	{"vault", "PATH", "vault file (env IMAPVAULT_VAULT; default $XDG_DATA_HOME/imapvault/vault.age)"},
	{"identity", "FILE", "age identity or SSH key (env IMAPVAULT_IDENTITY;\ndefault $XDG_CONFIG_HOME/imapvault/identity.age)"},
	{"passphrase-file", "FILE", "read the identity's passphrase from FILE instead of the terminal"},
	{"allow-shared-folder", "", "use a vault whose folder or file others can write\n(env IMAPVAULT_ALLOW_SHARED_FOLDER=1; refused by default)"},
}

// helpDoc is a command's help as data: what `imapvault CMD --help` prints,
// captured from the command's own flag set, so the man page and the shell
// completion can never drift from it.
type helpDoc struct {
	name    string // "check", "audit accept"
	summary string
	usage   string // after "Usage: imapvault "
	about   string
	flags   []flagDoc
}

// flagDoc is one flag of a command.
type flagDoc struct {
	name   string
	arg    string // the value's name ("" for a bool flag)
	usage  string
	def    string // default shown in help; "" when zero
	isBool bool
}

func (h *helpDoc) capture(fs *flag.FlagSet, usage, about string) {
	h.usage, h.about = usage, strings.TrimSpace(about)
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		d := flagDoc{name: f.Name, arg: arg, usage: text}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			d.isBool, d.arg = true, ""
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			d.def = f.DefValue
		}
		h.flags = append(h.flags, d)
	})
}

// commandHelp runs a command with --help and returns its help as data;
// path is the command and, for one with subcommands, the subcommand. ok is
// false when the command prints no help of its own. Commands parse their
// flags before doing anything, so nothing else runs.
func commandHelp(path ...string) (h helpDoc, ok bool) {
	c, found := commands[path[0]]
	if !found {
		return h, false
	}
	h.name, h.summary = strings.Join(path, " "), c.summary
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
		getenv: func(string) string { return "" }, tty: func() bool { return false }, help: &h,
		vaultPath: "/nonexistent/imapvault-help", identityPath: "/nonexistent/imapvault-help"}
	err := c.run(e, append(append([]string{}, path[1:]...), "--help"))
	if !errors.Is(err, flag.ErrHelp) || h.usage == "" && h.about == "" {
		return h, false
	}
	return h, true
}

// allHelp is the help of every visible command and its subcommands, in
// the order the man page lists them.
func allHelp() []helpDoc {
	var out []helpDoc
	for _, n := range visibleCommands() {
		top, ok := commandHelp(n)
		if ok {
			out = append(out, top)
		}
		subs := append([]string(nil), subcommands[n]...)
		sort.Strings(subs)
		for _, s := range subs {
			// A subcommand that shows its parent's help (recipients list)
			// is not listed twice.
			if h, ok := commandHelp(n, s); ok && h.usage != top.usage {
				out = append(out, h)
			}
		}
	}
	return out
}
