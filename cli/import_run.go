package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/imapvault/imapvault/importers"
)

// maxImportFile bounds a config or export read into memory.
const maxImportFile = 64 << 20

// importFrom runs an import from a client config or an export.
func importFrom(e *env, o importOpts) error {
	path := o.path
	if path == "" {
		p, err := importers.FindDefault(o.from, e.getenv("HOME"), e.getenv("XDG_CONFIG_HOME"))
		if err != nil {
			return usageErr(err, "give the file as: imapvault import --from "+o.from+" PATH")
		}
		path = p
	}
	res, err := readSource(e, o, path)
	if err != nil {
		return err
	}
	for _, a := range res.Accounts {
		e.secrets = append(e.secrets, a.Password)
	}
	date, err := importDate(o, path)
	if err != nil {
		return err
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	steps := importers.Plan(f.Vault, res.Accounts, o.update)
	missing := map[int]string{} // step -> why it has no password
	fetched, held, err := fetchSecrets(e, o, steps, missing)
	if err != nil {
		return err
	}
	if fetched {
		accts := make([]importers.Account, len(steps))
		for i, st := range steps {
			accts[i] = st.Account
		}
		steps = importers.Plan(f.Vault, accts, o.update)
	}
	if !o.dryRun {
		if err := importers.Apply(f.Vault, steps, time.Now(), date.when); err != nil {
			return usageErr(fmt.Errorf("import %s: %w", path, err), "nothing was imported")
		}
		if err := e.saveMerged(f); err != nil {
			return err
		}
	}
	printImport(e, o, path, res, steps, missing, date)
	if held {
		n := 0
		for _, st := range steps {
			if st.Action == importers.Held {
				n++
			}
		}
		again := "--yes"
		if o.update {
			again = "--yes --update"
		}
		return &cliError{code: exitFound,
			err:  fmt.Errorf("%d accounts were not added: their passwords come from commands or files that need your consent, and there is no terminal to ask", n),
			hint: "re-run with " + again + " to run and read them without asking (what was added now is skipped then), or run the import in a terminal"}
	}
	return nil
}

// importedDate is the date imported passwords get and where it came from.
type importedDate struct {
	when time.Time
	from string // "--changed", or the file whose modification time it is
}

// importDate is --changed, else the modification time of the file that
// holds the passwords (Thunderbird: logins.json): a password is at least
// as old as the file it was written in, and dating it today would hide
// that it is stale.
func importDate(o importOpts, path string) (importedDate, error) {
	if o.changed != "" {
		d, err := time.ParseInLocation("2006-01-02", o.changed, time.Local)
		if err != nil {
			return importedDate{}, usageErr(fmt.Errorf("--changed %q is not a date", o.changed), "write it as YYYY-MM-DD")
		}
		return importedDate{when: d, from: "--changed"}, nil
	}
	if o.from == "thunderbird" {
		if prof, err := importers.ProfileDir(path); err == nil {
			path = filepath.Join(prof, "logins.json")
		}
	}
	fi, err := os.Stat(path)
	if err != nil || path == "-" {
		return importedDate{}, nil
	}
	return importedDate{when: fi.ModTime(), from: path}, nil
}

func readSource(e *env, o importOpts, path string) (*importers.Result, error) {
	if o.from == "thunderbird" {
		return readThunderbird(e, o, path)
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer in.Close()
	data, err := io.ReadAll(io.LimitReader(in, maxImportFile+1))
	if err != nil {
		return nil, fmt.Errorf("import: read %s: %w", path, err)
	}
	if len(data) > maxImportFile {
		return nil, usageErr(fmt.Errorf("import: %s is larger than %d MiB", path, maxImportFile>>20), "is this the right file?")
	}
	res, err := importers.Parse(o.from, path, data)
	if err != nil {
		return nil, usageErr(fmt.Errorf("import: %w", err), "fix that line and import again; nothing was imported")
	}
	return res, nil
}
