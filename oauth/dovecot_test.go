package oauth_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// TestDovecotValidatesTokens: a real Dovecot (passdb oauth2, introspection
// by POST at the in-process authorization server) takes the access token
// Fresh hands out, with OAUTHBEARER and, where only that is offered,
// XOAUTH2; a refreshed token works too, and one the server no longer knows
// is refused with the server's error challenge in the message.
func TestDovecotValidatesTokens(t *testing.T) {
	testimap.LookBin(t, "dovecot", "dovecot-imapd")
	s := testoauth.Start(t)
	for _, mechs := range []string{"xoauth2 oauthbearer", "xoauth2"} {
		t.Run(mechs, func(t *testing.T) {
			d := testimap.StartDovecotWith(t, s.DovecotOptions(mechs))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			check := func(token string) imapcheck.Result {
				return imapcheck.Check(ctx, imapcheck.Target{Name: "acct", Host: d.Host(), Port: d.ImplicitPort(),
					Security: imapcheck.TLS, Username: testoauth.Email, Bearer: token,
					TLSConfig: &tls.Config{RootCAs: d.RootCAs()}})
			}
			o := login(t, s, false)
			o.Expiry = time.Now().Add(time.Hour) // used as is
			tok, err := oauth.Fresh(ctx, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r := check(tok); !r.OK() {
				t.Fatalf("fresh login's token: %s %s (dovecot log: %s)", r.Status, r.Message, d.Log())
			}

			o.Expiry = time.Now().Add(-time.Second) // expired: refreshed transparently
			old := o.AccessToken
			tok, err = oauth.Fresh(ctx, o, func(*vault.OAuth) error { return nil })
			if err != nil || tok == old {
				t.Fatalf("refresh: %v (same token: %v)", err, tok == old)
			}
			if r := check(tok); !r.OK() {
				t.Fatalf("refreshed token: %s %s", r.Status, r.Message)
			}
			// The rotation retired the old access token at the server.
			r := check(old)
			if r.Status != imapcheck.StatusAuthFailed {
				t.Fatalf("retired token: %s %s, want auth_failed", r.Status, r.Message)
			}
			if !strings.Contains(r.Message, "token refused (status") {
				t.Errorf("message %q lacks the decoded error challenge", r.Message)
			}
			if strings.Contains(r.Message, old) {
				t.Errorf("token in message %q", r.Message)
			}
		})
	}
}
