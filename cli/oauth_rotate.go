package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// rotateOAuth rotates an oauth2 account, which means authorising it again:
// run the login flow, prove the new token logs in, commit it, then revoke
// the old refresh token where the provider has an RFC 7009 endpoint. It
// reports handled=false for password accounts, which rotate as usual.
func (e *env) rotateOAuth(name string, verifyTimeout time.Duration) (handled bool, err error) {
	f, err := e.open()
	if err != nil {
		return false, nil // the usual path reports it
	}
	a := f.Vault.Find(name)
	if a == nil || !a.IsOAuth2() || a.OAuth == nil {
		return false, nil
	}
	o := *a.OAuth
	oldRefresh := o.RefreshToken
	e.namePublicClient(a.Name, &o)
	if err := e.loginFlow(a, &o, flowFlags{}); err != nil {
		return true, err
	}

	// Verify: log in with the new access token before anything is kept.
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer cancel()
	t := lastcheck.Target(a, tlsConfig())
	t.Password, t.Bearer = "", o.AccessToken
	res := imapcheck.Check(ctx, t)
	if !res.OK() {
		return true, withHint(fmt.Errorf("rotate %s: the new token did not log in: %s: %s", a.Name, res.Status, res.Message),
			"the old refresh token is still current; fix the account's settings and run rotate again")
	}
	if _, err := e.editAccount(a.Name, func(_ *vault.Vault, b *vault.Account) error {
		if b.ID != a.ID {
			return fmt.Errorf("account %q changed while rotating; run the command again", a.Name)
		}
		keepLogin(b, a.OAuth, &o)
		b.LastCheck = lastcheck.Record(res)
		b.Modified = time.Now()
		return nil
	}); err != nil {
		return true, err
	}
	fmt.Fprintf(e.stdout, "rotated %s: the new token logs in and is kept\n", line(a.Name))

	rctx, rcancel := context.WithTimeout(context.Background(), oauth.HTTPTimeout)
	defer rcancel()
	switch revoked, err := oauth.Revoke(rctx, &o, oldRefresh); {
	case err != nil:
		// The provider's words: redacted and shown safely.
		fmt.Fprintf(e.stderr, "imapvault: warning: could not revoke the old refresh token: %s\n", line(e.redact(err.Error())))
	case revoked:
		fmt.Fprintln(e.stdout, "the old refresh token is revoked")
	default:
		fmt.Fprintln(e.stdout, "the provider has no revocation endpoint: the old refresh token expires on its own")
	}
	return true, nil
}
