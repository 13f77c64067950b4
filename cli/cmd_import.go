package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/imapvault/imapvault/importers"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "import", summary: "import accounts from a CSV file, a mail client's config or a password manager's export", run: runImport})
}

type importOpts struct {
	from, path          string
	dryRun, yes, update bool
	cmdTimeout          time.Duration
	primaryFile         string
	changed             string
}

func runImport(e *env, args []string) error {
	fs := e.flags("import", "import [--from KIND] [PATH] [--dry-run] [--yes] [--update] [--changed YYYY-MM-DD]", `
Imports accounts from where they already live. KIND is one of
  csv (the default), mbsync, aerc, mutt, offlineimap, himalaya, msmtp,
  thunderbird, keepassxc, bitwarden.
Without PATH a client's config is looked for in its usual places (XDG
first, then the classic dotfiles; Thunderbird: the default profile).

csv: the first line is the header
  name,host,port,security,username,password,changed
(columns in any order; port, security and changed may be left out or empty;
changed is YYYY-MM-DD). Use - to read standard input. The import is
all-or-nothing: at the first bad row (bad port, unknown security, missing
field, duplicate name, a password with a newline, CR or NUL, a name or host
with control characters) nothing is imported and the error names its line
and column, never the cell's text. Delete the CSV afterwards: it holds
plaintext passwords.

Other kinds: an account already in the vault (same host, port and
username) is skipped, or updated with --update (a changed password goes to
history; an SMTP server and address the source names are filled in).
msmtp holds sending halves only: each joins the vault account with its
address or its login at the same site (with --update), else it is
reported unmatched; an SMTP server alone is not added.
Password commands (mbsync PassCmd, aerc source-cred-cmd, himalaya
auth.cmd, mutt backticks, msmtp passwordeval) and password files
(offlineimap remotepassfile) are shown first and run or read once each
only after you agree at the terminal, or with --yes; without stdin, killed
at the timeout. Without a terminal and without --yes the accounts that
need one are not imported and the exit status is 1. --dry-run shows them
and runs nothing. Imported passwords are dated with the file's
modification time, or --changed. A malformed file names its line and
changes nothing.`)
	var o importOpts
	fs.StringVar(&o.from, "from", "csv", "where the accounts come from")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be added or updated and write nothing")
	fs.BoolVar(&o.yes, "yes", false, "run password commands and read password files without asking")
	fs.BoolVar(&o.update, "update", false, "update accounts already in the vault")
	fs.DurationVar(&o.cmdTimeout, "command-timeout", 30*time.Second, "kill a password command after this long")
	fs.StringVar(&o.primaryFile, "primary-password-file", "", "Thunderbird: read the primary password from this file")
	fs.StringVar(&o.changed, "changed", "", "date imported passwords were last changed, `YYYY-MM-DD` (default: the file's modification time)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErr(fmt.Errorf("import takes at most one PATH, got %d arguments", len(pos)), "imapvault import --from KIND [PATH]")
	}
	if len(pos) == 1 {
		o.path = pos[0]
	}
	if o.from == "csv" {
		if o.update {
			return usageErr(fmt.Errorf("--update works with --from mbsync, aerc, mutt, offlineimap, himalaya, msmtp, thunderbird, keepassxc or bitwarden"), "a CSV import adds new names only, all or nothing; change existing accounts with 'imapvault edit'")
		}
		if o.path == "" {
			return usageErr(fmt.Errorf("import takes one file, got 0 arguments"), "imapvault import FILE.csv")
		}
		if o.changed != "" {
			return usageErr(fmt.Errorf("--changed works with --from KIND"), "a CSV gives each row's date in its changed column")
		}
		return importCSV(e, o)
	}
	known := false
	for _, k := range importers.Kinds {
		known = known || k == o.from
	}
	if !known {
		return usageErr(fmt.Errorf("%w %q", importers.ErrUnknownKind, o.from), "use one of "+strings.Join(importers.Kinds, ", "))
	}
	return importFrom(e, o)
}

func importCSV(e *env, o importOpts) error {
	var r io.Reader = e.stdin
	if o.path != "-" {
		in, err := os.Open(o.path)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer in.Close()
		r = in
	}
	now := time.Now()
	rows, err := vault.ParseCSV(r, now)
	for _, row := range rows {
		e.secrets = append(e.secrets, row.Account.Password)
	}
	if err != nil {
		return usageErr(fmt.Errorf("import %s: %w", o.path, err), "fix that line and import again; nothing was imported")
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Vault.Import(rows, now); err != nil {
		return usageErr(fmt.Errorf("import %s: %w", o.path, err), "rename or remove that row; nothing was imported")
	}
	if o.dryRun {
		fmt.Fprintf(e.stdout, "would import %d accounts into %s (dry run: nothing written)\n", len(rows), e.vaultPath)
		return nil
	}
	if err := e.saveMerged(f); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d accounts into %s\n", len(rows), e.vaultPath)
	if o.path != "-" {
		fmt.Fprintf(e.stdout, "the CSV holds plaintext passwords: delete it (shred -u %s)\n", o.path)
	}
	return nil
}
