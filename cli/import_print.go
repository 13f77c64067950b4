package cli

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/importers"
	"github.com/imapvault/imapvault/internal/termtext"
)

// printImport lists each account's fate, the summary and the next step.
// It never prints a password.
func printImport(e *env, o importOpts, path string, res *importers.Result, steps []importers.Step, missing map[int]string, date importedDate) {
	w := e.stdout
	verb := map[importers.Action]string{importers.Add: "added", importers.Update: "updated", importers.Joined: "joined"}
	if o.dryRun {
		verb = map[importers.Action]string{importers.Add: "would add", importers.Update: "would update", importers.Joined: "would join"}
	}
	var added, updated, skipped, noPass, oauth, held, dated int
	var next []string
	for i, st := range steps {
		a := st.Account
		desc := describe(a)
		note := ""
		if st.Note != "" {
			note = "; " + termtext.Line(st.Note)
		}
		switch st.Action {
		case importers.Add:
			added++
			next = append(next, st.Name)
			if a.Password != "" {
				dated++
			}
			fmt.Fprintf(w, "%-12s %s  %s  %s\n", verb[importers.Add], termtext.Line(st.Name), desc, passwordState(a, st.Name, missing[i], &noPass, &oauth))
		case importers.Update:
			updated++
			if a.SendOnly {
				next = append(next, st.Name)
			}
			for _, c := range st.Changes {
				if c == "password" {
					dated++
				}
			}
			fmt.Fprintf(w, "%-12s %s  %s  (%s%s)\n", verb[importers.Update], termtext.Line(st.Name), desc, strings.Join(st.Changes, ", "), note)
		case importers.Joined:
			next = append(next, st.Name)
			fmt.Fprintf(w, "%-12s %s  %s  (the sending half of %s, added above)\n", verb[importers.Joined], termtext.Line(a.Name), desc, termtext.Line(st.Name))
		case importers.Unchanged:
			skipped++
			fmt.Fprintf(w, "%-12s %s  %s  (already in the vault, nothing to update%s)\n", "unchanged", termtext.Line(st.Name), desc, note)
		case importers.Present:
			skipped++
			what := "already in the vault as " + termtext.Line(st.Name) + "; --update to update it"
			if a.SendOnly {
				what = "the sending half of " + termtext.Line(st.Name) + "; --update to fill it in"
			}
			fmt.Fprintf(w, "%-12s %s  %s  (%s%s)\n", "skipped", termtext.Line(a.Name), desc, what, note)
		case importers.Duplicate:
			skipped++
			fmt.Fprintf(w, "%-12s %s  %s  (the same account as %s, earlier in the file)\n", "skipped", termtext.Line(a.Name), desc, termtext.Line(st.Name))
		case importers.Unmatched:
			skipped++
			fmt.Fprintf(w, "%-12s %s  %s  (%s)\n", "unmatched", termtext.Line(a.Name), desc, termtext.Line(st.Note))
		case importers.Held:
			held++
			fmt.Fprintf(w, "%-12s %s  %s  (its password needs a command or file run with your consent: no terminal to ask, no --yes)\n", "not added", termtext.Line(st.Name), desc)
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
	if held > 0 {
		fmt.Fprintf(w, ", %d not added", held)
	}
	if o.dryRun {
		fmt.Fprint(w, " (dry run: nothing written)")
	}
	fmt.Fprintln(w)
	if dated > 0 && !date.when.IsZero() {
		how := "the modification time of " + termtext.Line(date.from) + "; --changed YYYY-MM-DD gives another"
		if date.from == "--changed" {
			how = "as --changed says"
		}
		fmt.Fprintf(w, "passwords dated %s (%s)\n", date.when.Format("2006-01-02"), how)
	}
	if cc := importers.ClientConfig(o.from); cc != "" && len(next) > 0 && !o.dryRun {
		fmt.Fprintf(w, "next: let %s read from the vault from now on:\n", o.from)
		for _, n := range next {
			fmt.Fprintf(w, "  imapvault client-config %s %s\n", cc, line(shellQuote(n)))
		}
	}
	if (o.from == "keepassxc" || o.from == "bitwarden") && !o.dryRun {
		fmt.Fprintf(w, "the export holds plaintext passwords: delete it (shred -u %s)\n", line(shellQuote(path)))
	}
}

// describe is an account's servers for the list: its IMAP login, and its
// SMTP one when the source names it.
func describe(a importers.Account) string {
	e := a.SMTP
	if a.SendOnly {
		return fmt.Sprintf("%s@%s:%d %s (sending)", termtext.Line(a.Username), termtext.Line(e.Host), e.Port, e.Security)
	}
	smtp := ""
	if e != nil {
		user := ""
		if e.Username != "" {
			user = termtext.Line(e.Username) + "@"
		}
		smtp = fmt.Sprintf("smtp %s%s:%d %s", user, termtext.Line(e.Host), e.Port, e.Security)
	}
	desc := fmt.Sprintf("%s@%s:%d %s", termtext.Line(a.Username), termtext.Line(a.Host), a.Port, a.Security)
	if smtp != "" {
		desc += ", " + smtp
	}
	return desc
}

// passwordState says where an added account's password came from, or why
// it has none, and counts the missing ones.
func passwordState(a importers.Account, name, why string, noPass, oauth *int) string {
	switch {
	case a.Password != "":
		switch {
		case a.PassCmd != "":
			return "password: from its command"
		case a.PassFile != "":
			return "password: from its file"
		}
		return "password: from the file"
	case a.OAuth2:
		*noPass++
		*oauth++
		return fmt.Sprintf("OAuth2 account: finish with imapvault oauth login %s once added with --auth oauth2", line(shellQuote(name)))
	}
	if why == dryRunCommand || why == dryRunFile {
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
