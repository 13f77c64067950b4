package cli

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/importers"
	"github.com/imapvault/imapvault/internal/termtext"
)

// printImport lists each account's fate, the summary and the next step.
// It never prints a password.
func printImport(e *env, o importOpts, path string, res *importers.Result, steps []importers.Step, missing map[int]string) {
	w := e.stdout
	verb := map[importers.Action]string{importers.Add: "added", importers.Update: "updated"}
	if o.dryRun {
		verb = map[importers.Action]string{importers.Add: "would add", importers.Update: "would update"}
	}
	var added, updated, skipped, noPass, oauth int
	var addedNames []string
	for i, st := range steps {
		a := st.Account
		desc := fmt.Sprintf("%s@%s:%d %s", termtext.Line(a.Username), termtext.Line(a.Host), a.Port, a.Security)
		switch st.Action {
		case importers.Add:
			added++
			addedNames = append(addedNames, st.Name)
			fmt.Fprintf(w, "%-12s %s  %s  %s\n", verb[importers.Add], termtext.Line(st.Name), desc, passwordState(a, st.Name, missing[i], &noPass, &oauth))
		case importers.Update:
			updated++
			fmt.Fprintf(w, "%-12s %s  %s  (%s)\n", verb[importers.Update], termtext.Line(st.Name), desc, strings.Join(st.Changes, ", "))
		case importers.Unchanged:
			skipped++
			fmt.Fprintf(w, "%-12s %s  %s  (already in the vault, nothing to update)\n", "unchanged", termtext.Line(st.Name), desc)
		case importers.Present:
			skipped++
			fmt.Fprintf(w, "%-12s %s  %s  (already in the vault as %s; --update to update it)\n", "skipped", termtext.Line(a.Name), desc, termtext.Line(st.Name))
		case importers.Duplicate:
			skipped++
			fmt.Fprintf(w, "%-12s %s  %s  (the same account as %s, earlier in the file)\n", "skipped", termtext.Line(a.Name), desc, termtext.Line(st.Name))
		}
	}
	for _, s := range res.Skipped {
		skipped++
		fmt.Fprintf(w, "%-12s %s: %s\n", "skipped", termtext.Line(s.Where), termtext.Line(s.Why))
	}
	fmt.Fprintf(w, "summary: %d added, %d updated, %d skipped, %d passwords missing", added, updated, skipped, noPass)
	if oauth > 0 {
		fmt.Fprintf(w, " (%d of them OAuth2)", oauth)
	}
	if o.dryRun {
		fmt.Fprint(w, " (dry run: nothing written)")
	}
	fmt.Fprintln(w)
	if cc := importers.ClientConfig(o.from); cc != "" && len(addedNames) > 0 && !o.dryRun {
		fmt.Fprintf(w, "next: let %s read from the vault from now on:\n", o.from)
		for _, n := range addedNames {
			fmt.Fprintf(w, "  imapvault client-config %s %s\n", cc, line(shellQuote(n)))
		}
	}
	if (o.from == "keepassxc" || o.from == "bitwarden") && !o.dryRun {
		fmt.Fprintf(w, "the export holds plaintext passwords: delete it (shred -u %s)\n", line(shellQuote(path)))
	}
}

// passwordState says where an added account's password came from, or why
// it has none, and counts the missing ones.
func passwordState(a importers.Account, name, why string, noPass, oauth *int) string {
	switch {
	case a.Password != "":
		if a.PassCmd != "" {
			return "password: from its command"
		}
		return "password: from the file"
	case a.OAuth2:
		*noPass++
		*oauth++
		return fmt.Sprintf("OAuth2 account: finish with imapvault oauth login %s once added with --auth oauth2", line(shellQuote(name)))
	}
	if why == dryRunCommand {
		return "password: " + why
	}
	*noPass++
	switch {
	case why != "":
		return "no password: " + why
	case a.Note != "":
		return "no password: " + termtext.Line(a.Note)
	}
	return "no password in the file"
}
