package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "init", summary: "create a vault (and an identity if there is none)", run: runInit})
}

func runInit(e *env, args []string) error {
	fs := e.flags("init", "init", `
Creates an empty vault encrypted to your identity.

If the identity file exists (a plain age identity, a passphrase-protected
age identity, or an SSH private key) it is used. Otherwise a new X25519 key
is made and written there, encrypted with a passphrase you choose (asked
twice on the terminal, or read from --passphrase-file).

Keep a copy of the identity file somewhere safe: without it the vault
cannot be opened. Recovery with stock age works:
  age -d -i IDENTITY VAULT`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("init takes no arguments, got %q", pos[0]), "pass the vault location with --vault PATH")
	}
	if _, err := os.Stat(e.vaultPath); err == nil {
		return fmt.Errorf("create vault %s: %w", e.vaultPath, vault.ErrExists)
	}
	kind, err := vault.DetectIdentity(e.identityPath)
	if err != nil {
		return err
	}
	var id *vault.Identity
	created := false
	if kind == vault.IdentityMissing {
		pass, err := e.newPassphrase()
		if err != nil {
			return err
		}
		id, err = vault.CreateIdentity(e.identityPath, pass)
		clear(pass)
		if err != nil {
			return err
		}
		created = true
	} else if id, err = e.identity(); err != nil {
		return err
	}
	if id.Recipient == "" {
		return withHint(fmt.Errorf("identity %s: cannot tell its public key", e.identityPath),
			"use an X25519 age identity or an SSH ed25519/rsa key")
	}
	if _, err := vault.Create(e.vaultPath, id, time.Now()); err != nil {
		return err
	}
	if created {
		fmt.Fprintf(e.stdout, "created identity %s (passphrase-protected)\n", e.identityPath)
	} else {
		fmt.Fprintf(e.stdout, "using identity %s\n", e.identityPath)
	}
	fmt.Fprintf(e.stdout, "created vault %s\npublic key: %s\n", e.vaultPath, id.Recipient)
	fmt.Fprint(e.stdout, "next:\n"+
		"  imapvault add --name NAME --host HOST --user USER    add an account (asks for its password)\n"+
		"  imapvault import --from mbsync|aerc|mutt|thunderbird|...    take the accounts your mail clients know\n"+
		"  imapvault import FILE.csv                             or from a CSV file\n"+
		"  imapvault unlock                                      let mail clients read passwords (imapvault-get)\n")
	return nil
}

// newPassphrase asks for a new passphrase twice, or reads --passphrase-file.
func (e *env) newPassphrase() ([]byte, error) {
	if e.passphraseFile != "" {
		return e.passphrase()
	}
	p1, err := e.readSecret("New passphrase for your identity: ")
	if errors.Is(err, errNoTerminal) {
		return nil, withHint(err, "pass --passphrase-file FILE, or an existing identity with --identity FILE")
	}
	if err != nil {
		return nil, err
	}
	if len(p1) == 0 {
		return nil, usageErr(errors.New("the passphrase is empty"), "choose a passphrase of several words")
	}
	p2, err := e.readSecret("Repeat it: ")
	if err != nil {
		return nil, err
	}
	defer clear(p2)
	if !bytes.Equal(p1, p2) {
		clear(p1)
		return nil, usageErr(errors.New("the passphrases differ"), "run 'imapvault init' again")
	}
	return p1, nil
}
