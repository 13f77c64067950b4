package cli

import (
	"errors"
	"fmt"

	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "oauth", summary: "OAuth2 accounts: 'oauth login NAME' authorises again", run: runOAuth})
}

func runOAuth(e *env, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(e.stdout, `Usage: imapvault oauth login NAME [--device]

Runs the OAuth2 login of an oauth2 account and stores the new refresh token:
the authorization code flow with PKCE (a browser opens on this machine when
there is a display; otherwise open the printed URL yourself, on this
machine), or with --device the device flow (open the URL on any device and
type the code). Run it when 'check' says token_revoked.
`)
		return nil
	}
	if args[0] != "login" {
		return usageErr(fmt.Errorf("unknown oauth command %q", args[0]), "imapvault oauth login NAME [--device]")
	}
	fs := e.flags("oauth login", "oauth login NAME [--device]", `
Authorises an oauth2 account again and stores its new refresh token.`)
	device := fs.Bool("device", false, "use the device flow (a code typed on any device)")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(errors.New("oauth login takes one account name"), "imapvault oauth login NAME")
	}
	f, err := e.open()
	if err != nil {
		return err
	}
	a, err := findAccount(f.Vault, pos[0])
	if err != nil {
		return err
	}
	if !a.IsOAuth2() || a.OAuth == nil {
		return usageErr(fmt.Errorf("account %q logs in with a password", a.Name),
			fmt.Sprintf("switch it with 'imapvault edit %s --auth oauth2 --provider P --client-id ID'", a.Name))
	}
	o := *a.OAuth
	if err := e.loginFlow(a.Name, &o, *device); err != nil {
		return err
	}
	if _, err := e.editAccount(a.Name, func(_ *vault.Vault, b *vault.Account) error {
		if b.ID != a.ID {
			return fmt.Errorf("account %q changed while logging in; run the command again", a.Name)
		}
		oauth.SetTokens(b, &o)
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "authorised %s; 'imapvault check %s' proves it logs in\n", line(a.Name), line(shellQuote(a.Name)))
	return nil
}
