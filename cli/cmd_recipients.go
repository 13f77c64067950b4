package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "recipients", summary: "list, add or remove the people (age keys) the vault is encrypted to", run: runRecipients})
}

const recipientsAbout = `
A team vault is encrypted to several age recipients; each of them can open
it with their own identity, with imapvault or with the stock age CLI.

  recipients [list]                 who can open the vault, and who could
  recipients add KEY [--label WHO]  add a member; the vault is re-encrypted
  recipients add --file FILE        add every key in FILE (one a line, # comments)
  recipients remove KEY|LABEL       remove a member (whole key, the short key shown
                                    by list, or the label); the vault is re-encrypted

KEY is an age key (age1...), a post-quantum key (age1pq1...; these can't be
mixed with classic keys), an SSH public key (ssh-ed25519, ssh-rsa) or a
plugin key such as age1yubikey1... (the plugin, age-plugin-NAME, must be on
PATH). Removed members stay listed with the date, so 'imapvault audit' can
flag every password they could have read as exposed. Removing the last key
your identity opens the vault with is refused.`

func runRecipients(e *env, args []string) error {
	sub := "list"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "list", "ls":
		return runRecipientsList(e, args)
	case "add":
		return runRecipientsAdd(e, args)
	case "remove", "rm":
		return runRecipientsRemove(e, args)
	}
	return usageErr(fmt.Errorf("unknown recipients command %q", sub), "run 'imapvault recipients --help'")
}

func runRecipientsList(e *env, args []string) error {
	fs := e.flags("recipients", "recipients [list [--json] | add KEY [--label WHO] | remove KEY]", recipientsAbout)
	asJSON := fs.Bool("json", false, "print an array of {key, label, added, added_by, removed, removed_by, status, you} with full keys")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("unexpected argument %q", pos[0]), "run 'imapvault recipients --help'")
	}
	id, err := e.identity()
	if err != nil {
		return err
	}
	f, err := vault.Open(e.vaultPath, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeRecipientsJSON(e.stdout, f.Vault.Recipients, id.Recipient)
	}
	// A person at a terminal gets short keys that fit a line; a pipe or a
	// file gets whole keys, so a key can be copied from the output.
	full := !e.stdoutIsTerminal()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tKEY\tADDED\tBY\tSTATUS")
	for _, r := range f.Vault.Recipients {
		label := orDash(r.Label)
		if r.Key == id.Recipient {
			label += " (you)"
		}
		status := "active"
		if r.Removed != nil {
			status = "removed " + r.Removed.Local().Format("2006-01-02 15:04")
			if r.RemovedBy != "" {
				status += " by " + lineN(r.RemovedBy, fieldCap)
			}
		}
		key := r.ShortKey()
		if full {
			key = r.Key
		}
		// Every field comes from the vault file, which a teammate (or a
		// forger, before trust refuses the file) wrote.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", label, line(key), r.Added.Local().Format("2006-01-02"), orDash(r.AddedBy), status)
	}
	return tw.Flush()
}

// orDash shows a label (or "-" for none) safely: labels come from the
// vault, which any recipient can write.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return lineN(s, fieldCap)
}

// recipientKeys is KEY or the keys of --file.
func recipientKeys(pos []string, file, verb string) ([]string, error) {
	switch {
	case file != "" && len(pos) > 0:
		return nil, usageErr(errors.New("give KEY or --file, not both"), "")
	case file != "":
		in, err := os.Open(file)
		if err != nil {
			return nil, withHint(fmt.Errorf("read recipients file: %w", err), "check the path")
		}
		defer in.Close()
		keys, err := vault.ReadRecipientsFile(in)
		if err != nil {
			return nil, usageErr(fmt.Errorf("recipients file %s: %w", file, err), "one public key a line; lines starting with # are comments")
		}
		return keys, nil
	case len(pos) == 1:
		return pos, nil
	case len(pos) > 1 && strings.HasPrefix(pos[0], "ssh-"):
		return []string{strings.Join(pos, " ")}, nil // an SSH key typed without quotes
	}
	return nil, usageErr(fmt.Errorf("recipients %s takes one KEY (or --file FILE)", verb), "quote an SSH key: imapvault recipients "+verb+" 'ssh-ed25519 AAAA... who@host'")
}

func runRecipientsAdd(e *env, args []string) error {
	fs := e.flags("recipients add", "recipients add KEY [--label WHO] | --file FILE", recipientsAbout)
	label := fs.String("label", "", "who the key belongs to (default: an SSH key's comment)")
	file := fs.String("file", "", "add every key in `FILE`, one a line")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	keys, err := recipientKeys(pos, *file, "add")
	if err != nil {
		return err
	}
	if !termtext.Safe(*label) || utf8.RuneCountInString(*label) > vault.MaxNameLen {
		return usageErr(fmt.Errorf("--label must be printable (no control, escape or bidi character) and at most %d characters", vault.MaxNameLen), "")
	}
	if *label != "" && len(keys) > 1 {
		return usageErr(errors.New("--label names one key, and the file holds several"), "add them one by one with --label, or put each SSH key's owner in its comment")
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	now := time.Now()
	var added []vault.Recipient
	for _, k := range keys {
		r, err := f.Vault.AddRecipient(k, *label, "", now)
		if err != nil {
			return recipientErr(err, "nothing was added")
		}
		added = append(added, r)
	}
	if err := e.saveMerged(f); err != nil {
		return err
	}
	for _, r := range added {
		fmt.Fprintf(e.stdout, "added %s (%s)\n", orDash(r.Label), line(r.ShortKey()))
	}
	fmt.Fprintf(e.stdout, "the vault is now encrypted to %d recipients; each opens it with their own identity:\n", len(f.Vault.ActiveRecipients()))
	fmt.Fprintf(e.stdout, "  imapvault --vault %s --identity THEIR-IDENTITY list\n", shellQuote(e.vaultPath))
	return nil
}

// recipientErr adds what to do to the errors of a recipient change.
func recipientErr(err error, outcome string) error {
	var missing *vault.PluginMissingError
	switch {
	case errors.As(err, &missing):
		return withHint(err, fmt.Sprintf("install age-plugin-%s and put it on PATH, then try again; %s", missing.Name, outcome))
	case errors.Is(err, vault.ErrMixedRecipients):
		return withHint(err, "a post-quantum vault needs an age1pq1... key from every member (age-keygen -pq); or stay with classic keys; "+outcome)
	case errors.Is(err, vault.ErrRecipientExists):
		return withHint(err, "'imapvault recipients' lists them; "+outcome)
	case errors.Is(err, vault.ErrRecipientNotFound):
		return withHint(err, "'imapvault recipients' lists the keys and labels; "+outcome)
	case errors.Is(err, vault.ErrLastRecipient):
		return withHint(err, "add another key you hold first (imapvault recipients add KEY), or run this with the --identity of a member who stays; "+outcome)
	}
	return usageErr(err, outcome)
}

func runRecipientsRemove(e *env, args []string) error {
	fs := e.flags("recipients remove", "recipients remove KEY|LABEL | --file FILE", recipientsAbout)
	file := fs.String("file", "", "remove every key in `FILE`, one a line")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	keys, err := recipientKeys(pos, *file, "remove")
	if err != nil {
		return err
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	now := time.Now()
	var removed []vault.Recipient
	for _, k := range keys {
		r, err := f.RemoveRecipient(k, "", now)
		if err != nil {
			return recipientErr(err, "nothing was removed and the vault still opens")
		}
		removed = append(removed, r)
	}
	if err := e.saveMerged(f); err != nil {
		return err
	}
	var who, gone []string
	for _, r := range removed {
		who = append(who, orDash(r.Label))
		gone = append(gone, r.Key)
		fmt.Fprintf(e.stdout, "removed %s (%s): the re-encrypted vault no longer opens with that key\n", orDash(r.Label), line(r.ShortKey()))
	}
	fmt.Fprintf(e.stdout, "old copies still open with it: the backups in %s, and any copy kept by a sync tool, git history or elsewhere\n", vault.BackupDir(e.vaultPath))
	return e.reportExposed(f.Vault, strings.Join(who, ", "), gone)
}

// reportExposed lists the accounts whose passwords the members just
// removed (keys) could read — not those exposed by earlier removals of
// others — and prints the one command that rotates exactly those.
func (e *env) reportExposed(v *vault.Vault, who string, keys []string) error {
	names := audit.ExposedTo(v, keys)
	if len(names) == 0 {
		fmt.Fprintln(e.stdout, "no password in the vault was readable by them: nothing to rotate")
		return nil
	}
	verb := "have"
	if len(names) == 1 {
		verb = "has"
	}
	fmt.Fprintf(e.stdout, "%s %s could read %s not changed since (audit flags them as exposed):\n", plural(len(names), "password"), who, verb)
	quoted := make([]string, len(names))
	for i, n := range names {
		fmt.Fprintf(e.stdout, "  %s\n", line(n))
		quoted[i] = line(shellQuote(n))
	}
	fmt.Fprintf(e.stdout, "rotate them:\n  imapvault rotate %s --hook CMD\n", strings.Join(quoted, " "))
	fmt.Fprintln(e.stdout, "(without --hook, in a terminal, each new password is shown for you to set by hand)")
	return nil
}

// saveMerged saves f; when another program (a sync tool, git, another
// machine) replaced the file since it was opened, both sides' edits are
// merged, and fields both changed are reported: ours were kept.
func (e *env) saveMerged(f *vault.File) error {
	conflicts, err := f.SaveMerged()
	e.announce(f)
	if len(conflicts) > 0 {
		fmt.Fprintf(e.stderr, "imapvault: warning: the vault changed on disk meanwhile; merged, with %d conflicts:\n", len(conflicts))
		for _, c := range conflicts {
			fmt.Fprintf(e.stderr, "imapvault: warning:   %s\n", line(fmt.Sprint(c)))
		}
		fmt.Fprintln(e.stderr, "imapvault: hint: check those fields with 'imapvault list' or the TUI; a password set aside is kept in the account's history")
	}
	return err
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@+:/,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
