package oauth_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// TestPostfixValidatesTokens: submission takes the same access token as
// IMAP. A real Postfix hands AUTH to a real Dovecot whose passdb is the
// oauth2 one introspecting the in-process server's tokens; smtpcheck logs
// in with OAUTHBEARER (or XOAUTH2 where only that is offered), on the
// STARTTLS and the implicit-TLS service, and a retired token is refused
// with the server's error challenge decoded.
func TestPostfixValidatesTokens(t *testing.T) {
	testimap.LookBin(t, "dovecot", "dovecot-imapd")
	s := testoauth.Start(t)
	for _, mechs := range []string{"xoauth2 oauthbearer", "xoauth2"} {
		t.Run(mechs, func(t *testing.T) {
			opts := s.DovecotOptions(mechs)
			opts.AuthInet = true
			d := testimap.StartDovecotWith(t, opts)
			pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: d.AuthAddr()})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			check := func(port int, sec smtpcheck.Security, token string) smtpcheck.Result {
				return smtpcheck.Check(ctx, smtpcheck.Target{Name: "acct", Host: pf.Host(), Port: port, Security: sec,
					Username: testoauth.Email, Bearer: token, Address: testoauth.Email,
					TLSConfig: &tls.Config{RootCAs: d.RootCAs()}})
			}
			o := login(t, s, false)
			o.Expiry = time.Now().Add(time.Hour)
			tok, err := oauth.Fresh(ctx, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				port int
				sec  smtpcheck.Security
			}{{pf.SubmissionPort(), smtpcheck.STARTTLS}, {pf.SMTPSPort(), smtpcheck.TLS}} {
				if r := check(c.port, c.sec, tok); !r.OK() || !r.Envelope {
					t.Fatalf("%s: %s %s %s\npostfix: %s\ndovecot: %s", c.sec, r.Status, r.Code, r.Message, pf.Log(), d.Log())
				}
			}
			want := "sasl_method=OAUTHBEARER"
			if mechs == "xoauth2" {
				want = "sasl_method=XOAUTH2"
			}
			if !strings.Contains(pf.Log(), want+", sasl_username="+testoauth.Email) {
				t.Errorf("postfix logged no %s login:\n%s", want, pf.Log())
			}

			o.Expiry = time.Now().Add(-time.Second) // refreshed: the old token is retired
			old := o.AccessToken
			if _, err := oauth.Fresh(ctx, o, func(*vault.OAuth) error { return nil }); err != nil {
				t.Fatal(err)
			}
			r := check(pf.SubmissionPort(), smtpcheck.STARTTLS, old)
			if r.Status != smtpcheck.StatusAuthFailed || r.Envelope {
				t.Fatalf("retired token: %s %s %q, want auth_failed", r.Status, r.Code, r.Message)
			}
			if strings.Contains(r.Message, old) || strings.Contains(pf.Log(), old) {
				t.Error("the token reached the message or Postfix's log")
			}
			if mechs != "xoauth2" && !strings.Contains(r.Message, "token refused (status") {
				t.Errorf("message %q lacks the decoded error challenge", r.Message)
			}
		})
	}
}
