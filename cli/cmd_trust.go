package cli

import (
	"errors"
	"fmt"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "trust", summary: "accept a vault whose key changed, after checking it", run: runTrust})
}

func runTrust(e *env, args []string) error {
	fs := e.flags("trust", "trust [--yes] | trust --rollback", `
Accepts the vault file as it is on disk now, like removing a line from ssh's
known_hosts. imapvault remembers which key authenticates each vault (in
$XDG_STATE_HOME/imapvault/known_vaults) and refuses a vault file whose key
changed without proof from the old one: that is what a vault forged by
someone who can write its folder looks like. A new key is normal only when
the vault was re-created or restored from elsewhere; a key rotation made by
a member (after removing a recipient) never needs this command.

Before trusting, look at who can read it:
  age -d -i IDENTITY VAULT | jq .recipients
trust lists the recipients, marks those you have not seen before, and
remembers them. Without --yes it only shows them.

--rollback accepts an older copy of the vault on purpose (a backup you
restored): imapvault remembers the newest copy each vault had on this
machine and refuses an older one, which is what a shared folder or a sync
tool handing back stale passwords, or a removed member still a recipient,
looks like.`)
	yes := fs.Bool("yes", false, "remember the vault's current key and recipients")
	rollback := fs.Bool("rollback", false, "accept the vault file although it is older than one opened here")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("trust takes no arguments, got %q", pos[0]), "pass the vault with --vault PATH")
	}
	id, err := e.identity()
	if err != nil {
		return err
	}
	if *rollback {
		rep, err := vault.TrustRollback(e.vaultPath, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "trusted: %s at generation %d", rep.Path, rep.Generation)
		if rep.Known > rep.Generation {
			fmt.Fprintf(e.stdout, " (this machine had opened generation %d since %s)", rep.Known, rep.OpenedAt.Local().Format("2006-01-02 15:04"))
		}
		fmt.Fprintln(e.stdout)
		return nil
	}
	if !*yes {
		return e.showForTrust(id)
	}
	rep, err := vault.Trust(e.vaultPath, id)
	if err != nil {
		return err
	}
	e.printTrust(rep)
	fmt.Fprintf(e.stdout, "trusted: %s now authenticates under key %s\n", rep.Path, orNone(rep.NewKeyID))
	return nil
}

// showForTrust opens the vault whatever its key and prints what trust
// would accept, changing nothing.
func (e *env) showForTrust(id *vault.Identity) error {
	rep, err := vault.InspectTrust(e.vaultPath, id)
	if err != nil {
		return err
	}
	e.printTrust(rep)
	fmt.Fprintln(e.stdout, "nothing changed: if every recipient above should read your passwords, run 'imapvault trust --yes'")
	return nil
}

func (e *env) printTrust(rep *vault.TrustReport) {
	fmt.Fprintf(e.stdout, "vault:       %s\nknown key:   %s\nkey in file: %s\nrecipients:\n", rep.Path, orNone(rep.OldKeyID), orNone(rep.NewKeyID))
	for _, r := range rep.Recipients {
		mark := " "
		for _, n := range rep.New {
			if n.Key == r.Key {
				mark = "+"
			}
		}
		fmt.Fprintf(e.stdout, "  %s %s  %s (added by %s)\n", mark, termtext.Line(r.Key), termtext.LineN(r.Label, 64), termtext.LineN(r.AddedBy, 64))
	}
	if len(rep.New) > 0 {
		fmt.Fprintln(e.stdout, "  (+ not seen before on this machine)")
	}
}

func orNone(id string) string {
	if id == "" {
		return "(none)"
	}
	return id
}

// announce tells the person, once, about recipients someone else added:
// each can read every password from the next save on.
func (e *env) announce(f *vault.File) {
	if e.announced == nil {
		e.announced = map[string]bool{}
	}
	for _, r := range f.NewRecipients() {
		if e.announced[r.Key] {
			continue
		}
		e.announced[r.Key] = true
		fmt.Fprintf(e.stderr, "imapvault: note: new recipient of the vault, added by %s on %s: %s %s\n",
			termtext.LineN(r.AddedBy, 64), r.Added.Format("2006-01-02"), termtext.Line(r.ShortKey()), termtext.LineN(r.Label, 64))
		fmt.Fprintf(e.stderr, "imapvault: hint: they can read every password; if you don't know them, run 'imapvault recipients remove %s'\n", termtext.Line(shellQuote(r.Key)))
	}
}

// untrustedHint says how to look at a refused vault file and what to do.
func untrustedHint(err error, vaultPath string) string {
	var ue *vault.UntrustedError
	look := fmt.Sprintf("nothing was saved; look at who it is encrypted to with: age -d -i IDENTITY %s | jq .recipients", shellQuote(vaultPath))
	switch {
	case errors.As(err, &ue) && ue.KeyChanged():
		return look + "; if you expected a new vault key (the vault was re-created or restored), run 'imapvault trust', else restore a backup from " + vault.BackupDir(vaultPath)
	case ue != nil && ue.KnownKey != "":
		return look + "; restore a backup from " + vault.BackupDir(vaultPath) + " (or, if it is an old copy of your team's vault, 'imapvault trust' accepts it)"
	}
	return look + "; restore a backup from " + vault.BackupDir(vaultPath)
}

// unsafeHint explains a refused symlink or shared folder.
func unsafeHint(err error) string {
	var se *vault.SharedFolderError
	if errors.As(err, &se) {
		return "make the folder yours alone (chmod 700 FOLDER, chmod 600 the vault), or pass --allow-shared-folder (IMAPVAULT_ALLOW_SHARED_FOLDER=1) if every user who can write there is trusted"
	}
	return "remove the symbolic link (or the odd file) named above; imapvault creates its own files there"
}
