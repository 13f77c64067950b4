package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/imapvault/imapvault/importers"
	"github.com/imapvault/imapvault/internal/termtext"
)

// dryRunCommand is a password a real import would get from its command.
const dryRunCommand = "from its command (not run in a dry run)"

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
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	steps := importers.Plan(f.Vault, res.Accounts, o.update)
	missing := map[int]string{} // step -> why it has no password
	ran, err := runPassCommands(e, o, steps, missing)
	if err != nil {
		return err
	}
	if ran {
		accts := make([]importers.Account, len(steps))
		for i, st := range steps {
			accts[i] = st.Account
		}
		steps = importers.Plan(f.Vault, accts, o.update)
	}
	if !o.dryRun {
		if err := importers.Apply(f.Vault, steps, time.Now(), time.Time{}); err != nil {
			return usageErr(fmt.Errorf("import %s: %w", path, err), "nothing was imported")
		}
		if err := e.saveMerged(f); err != nil {
			return err
		}
	}
	printImport(e, o, path, res, steps, missing)
	return nil
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

// runPassCommands asks once, then runs each distinct password command of
// the accounts that will be added or updated, once, filling passwords.
// It reports whether it ran any.
func runPassCommands(e *env, o importOpts, steps []importers.Step, missing map[int]string) (bool, error) {
	var cmds []string
	users := map[string][]int{}
	for i, st := range steps {
		a := st.Account
		if a.PassCmd == "" || a.Password != "" {
			continue
		}
		if st.Action != importers.Add && !(o.update && st.Action != importers.Duplicate) {
			continue
		}
		if _, ok := users[a.PassCmd]; !ok {
			cmds = append(cmds, a.PassCmd)
		}
		users[a.PassCmd] = append(users[a.PassCmd], i)
	}
	// A command that can't be shown whole is not run, consent or not.
	shown := map[string]string{}
	kept := cmds[:0]
	for _, c := range cmds {
		if v, ok := showCommand(c); ok {
			shown[c] = v
			kept = append(kept, c)
			continue
		}
		for _, i := range users[c] {
			missing[i] = fmt.Sprintf("its password command is too long to show whole (%d bytes, at most %d), so it was not run", len(c), maxShownCommand)
		}
	}
	cmds = kept
	if len(cmds) == 0 {
		return false, nil
	}
	if o.dryRun {
		for _, c := range cmds {
			for _, i := range users[c] {
				missing[i] = dryRunCommand
			}
		}
		return false, nil
	}
	if !o.yes {
		fmt.Fprintf(e.stderr, "%d password commands will run, once each, without stdin, killed after %s:\n", len(cmds), o.cmdTimeout)
		for _, c := range cmds {
			var names []string
			for _, i := range users[c] {
				names = append(names, termtext.Line(steps[i].Account.Name))
			}
			fmt.Fprintf(e.stderr, "  for %s:\n    %s\n", strings.Join(names, ", "), shown[c])
		}
		fmt.Fprint(e.stderr, "Run them? [y/N] ")
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("import: read answer: %w", err)
		}
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			fmt.Fprintln(e.stderr, "not running them: those accounts are imported without a password")
			for _, c := range cmds {
				for _, i := range users[c] {
					missing[i] = "its password command was not run (you said no)"
				}
			}
			return false, nil
		}
	}
	for _, c := range cmds {
		pw, err := importers.RunCommand(context.Background(), c, o.cmdTimeout)
		if err != nil {
			why := "the password command " + err.Error()
			var ce *importers.CommandError
			if errors.As(err, &ce) && strings.TrimSpace(ce.Stderr) != "" {
				why += "; it said: " + termtext.LineN(strings.TrimSpace(ce.Stderr), 200)
			}
			for _, i := range users[c] {
				missing[i] = why
			}
			fmt.Fprintf(e.stderr, "imapvault: password command for %s %s\n", termtext.Line(steps[users[c][0]].Account.Name), termtext.Line(why[len("the password command "):]))
			continue
		}
		for _, i := range users[c] {
			steps[i].Account.Password = pw
		}
	}
	return true, nil
}
