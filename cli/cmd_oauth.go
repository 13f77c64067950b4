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
		fmt.Fprint(e.stdout, `Usage: imapvault oauth login NAME [--device | --browser] [--copy-code]

Runs the OAuth2 login of an oauth2 account and stores the new refresh token:
the device flow (open the URL on any device and type the code; the default
for Microsoft, over ssh and without a display) or the authorization code
flow with PKCE (a browser opens on this machine when there is a display;
otherwise open the printed URL yourself, on this machine). --device and
--browser choose; Google always uses the browser, its device flow cannot
grant Gmail's scope. An account with an --issuer and no client id
registers one there first. The consent must come from the account's user
(or its --oauth-identity): anyone else's is refused and nothing is stored.
Run it when 'check' says token_revoked.
`)
		return nil
	}
	if args[0] != "login" {
		return usageErr(fmt.Errorf("unknown oauth command %q", args[0]), "imapvault oauth login NAME [--device | --browser]")
	}
	fs := e.flags("oauth login", "oauth login NAME [--device | --browser] [--copy-code]", `
Authorises an oauth2 account again and stores its new refresh token.`)
	var fl flowFlags
	addFlowFlags(fs, &fl)
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
	e.namePublicClient(a.Name, &o)
	if err := e.loginFlow(a, &o, fl); err != nil {
		return err
	}
	if _, err := e.editAccount(a.Name, func(_ *vault.Vault, b *vault.Account) error {
		if b.ID != a.ID {
			return fmt.Errorf("account %q changed while logging in; run the command again", a.Name)
		}
		keepLogin(b, a.OAuth, &o)
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "authorised %s; 'imapvault check %s' proves it logs in\n", line(a.Name), line(shellQuote(a.Name)))
	return nil
}

// keepLogin stores what a login of b produced: its tokens, and what it
// learned on the way (a registered client id, endpoints from the
// issuer's metadata) where b still holds what the login started from, so
// an edit made meanwhile is not undone.
func keepLogin(b *vault.Account, before, o *vault.OAuth) {
	if b.OAuth == nil {
		oauth.SetTokens(b, o)
		return
	}
	if o.Registered && b.OAuth.ClientID == before.ClientID {
		b.OAuth.ClientID, b.OAuth.ClientSecret, b.OAuth.Registered = o.ClientID, "", true
	}
	fill := func(dst *string, was, v string) {
		if *dst == was {
			*dst = v
		}
	}
	fill(&b.OAuth.AuthURL, before.AuthURL, o.AuthURL)
	fill(&b.OAuth.TokenURL, before.TokenURL, o.TokenURL)
	fill(&b.OAuth.DeviceURL, before.DeviceURL, o.DeviceURL)
	fill(&b.OAuth.RevokeURL, before.RevokeURL, o.RevokeURL)
	fill(&b.OAuth.UserinfoURL, before.UserinfoURL, o.UserinfoURL)
	oauth.SetTokens(b, o)
}
