package cli

import (
	"context"
	"fmt"
	"time"

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

	// Verify: log in with the new access token before anything is kept,
	// on IMAP and, when the account sends, on SMTP: the same token must
	// serve both (a consent without the sending scope fails here).
	ctx, cancel := context.WithTimeout(context.Background(), verifyTimeout)
	defer cancel()
	both := lastcheck.Prove(ctx, a, o.AccessToken, verifyTimeout, tlsConfig())
	secrets := append(a.Secrets(), o.AccessToken, o.RefreshToken)
	redactResult(&both.IMAP, secrets)
	if both.SMTP != nil {
		redactSMTPResult(both.SMTP, secrets)
	}
	const kept = "the old refresh token is still current; fix the account's settings and run rotate again"
	if res := both.IMAP; !res.OK() {
		return true, withHint(fmt.Errorf("rotate %s: the new token did not log in: %s: %s", a.Name, res.Status, res.Message), kept)
	}
	if res := both.SMTP; res != nil && !res.OK() {
		return true, withHint(fmt.Errorf("rotate %s: the new token logs in to IMAP, but SMTP %s refused it: %s: %s",
			a.Name, a.SMTP.Addr(), res.Status, res.Message), kept)
	}
	if _, err := e.editAccount(a.Name, func(_ *vault.Vault, b *vault.Account) error {
		if b.ID != a.ID {
			return fmt.Errorf("account %q changed while rotating; run the command again", a.Name)
		}
		keepLogin(b, a.OAuth, &o)
		rec := lastcheck.RecordBoth(both)
		rec.LastOK = rec.At
		if rec.SMTP != nil {
			rec.SMTP.LastOK = rec.SMTP.At
		}
		b.LastCheck = rec
		b.Modified = time.Now()
		return nil
	}); err != nil {
		return true, err
	}
	sends := ""
	if both.SMTP != nil {
		sends = " and sends"
	}
	fmt.Fprintf(e.stdout, "rotated %s: the new token logs in%s and is kept\n", line(a.Name), sends)

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
