package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "import", summary: "import accounts from a CSV file", run: runImport})
}

func runImport(e *env, args []string) error {
	fs := e.flags("import", "import FILE.csv", `
Imports accounts from a CSV file whose first line is the header
  name,host,port,security,username,password,changed
(columns in any order; port, security and changed may be left out or empty;
changed is YYYY-MM-DD). Use - to read standard input.

The import is all-or-nothing: at the first bad row (bad port, unknown
security, missing field, duplicate name, a password with a newline, CR or
NUL, a name or host with control characters) nothing is imported and the
error names its line and column, never the cell's text. Delete the CSV afterwards: it holds plaintext passwords.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(fmt.Errorf("import takes one file, got %d arguments", len(pos)), "imapvault import FILE.csv")
	}
	var r io.Reader = e.stdin
	if pos[0] != "-" {
		in, err := os.Open(pos[0])
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
		return usageErr(fmt.Errorf("import %s: %w", pos[0], err), "fix that line and import again; nothing was imported")
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Vault.Import(rows, now); err != nil {
		return usageErr(fmt.Errorf("import %s: %w", pos[0], err), "rename or remove that row; nothing was imported")
	}
	if err := e.saveMerged(f); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d accounts into %s\n", len(rows), e.vaultPath)
	if pos[0] != "-" {
		fmt.Fprintf(e.stdout, "the CSV holds plaintext passwords: delete it (shred -u %s)\n", pos[0])
	}
	return nil
}
