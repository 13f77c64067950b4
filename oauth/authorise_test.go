package oauth_test

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// authorise runs Authorise for o with the test's person approving as
// user (device flow) or logging in at the browser (loopback).
func authorise(t *testing.T, s *testoauth.Server, o *vault.OAuth, device bool, user string, want ...string) (*oauth.Authorised, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var berr error
	res, err := oauth.Authorise(ctx, o, want, oauth.LoginOptions{Device: device, Show: func(f oauth.Flow) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f.Device {
				berr = s.ApproveDeviceAs(f.UserCode, user, true)
			} else {
				berr = s.BrowserAs(ctx, f.URL, user)
			}
			if berr != nil {
				cancel()
			}
		}()
	}})
	wg.Wait()
	if berr != nil {
		t.Fatalf("the person at the browser: %v", berr)
	}
	return res, err
}

// TestIssuerRegisterDeviceDovecot is the 2026 path end to end: an issuer
// URL and nothing else; its RFC 8414 metadata gives the endpoints, RFC
// 7591 registers imapvault as a public client (no secret), the device
// flow gets tokens, the id_token (verified against the issuer's keys)
// says the account's user consented, and a real Dovecot, introspecting
// at the same server, takes the access token. A second login reuses the
// client id.
func TestIssuerRegisterDeviceDovecot(t *testing.T) {
	testimap.LookBin(t, "dovecot", "dovecot-imapd")
	s := testoauth.StartWith(t, testoauth.Options{Registration: true, ClaimsInIDToken: true, DeviceInterval: time.Second})
	d := testimap.StartDovecotWith(t, s.DovecotOptions("xoauth2 oauthbearer"))

	o := &vault.OAuth{Provider: oauth.Custom, Issuer: s.URL}
	res, err := authorise(t, s, o, true, s.User, testoauth.Email)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Registered || !o.Registered || !strings.HasPrefix(o.ClientID, "dyn-") || o.ClientSecret != "" {
		t.Fatalf("registered %v, client %q (registered %v, secret %v)", res.Registered, o.ClientID, o.Registered, o.ClientSecret != "")
	}
	if o.TokenURL != s.TokenURL() || o.DeviceURL != s.DeviceURL() || o.AuthURL != s.AuthURL() || o.RevokeURL != s.RevokeURL() {
		t.Errorf("endpoints not from the metadata: %+v", o)
	}
	if got := s.Requests(); !contains(got, "GET /.well-known/oauth-authorization-server") {
		t.Errorf("RFC 8414 metadata never asked: %v", got)
	}
	regs := s.Registrations()
	if len(regs) != 1 || regs[0]["token_endpoint_auth_method"] != "none" || regs[0]["client_name"] != "imapvault" {
		t.Fatalf("registration requests: %v", regs)
	}
	if res.Consent == nil || res.Consent.Source != "id_token" || res.Consent.Email != testoauth.Email {
		t.Fatalf("consent %+v, want the user's email from the id_token", res.Consent)
	}
	if res.Token.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := imapcheck.Check(ctx, imapcheck.Target{Name: "acct", Host: d.Host(), Port: d.ImplicitPort(), Security: imapcheck.TLS,
		Username: testoauth.Email, Bearer: res.Token.AccessToken, TLSConfig: &tls.Config{RootCAs: d.RootCAs()}})
	if !r.OK() {
		t.Fatalf("dovecot: %s %s\n%s", r.Status, r.Message, d.Log())
	}

	// Refresh with the public client (no secret), then log in again:
	// the stored client id is reused, nothing registers twice.
	oauth.Absorb(o, res.Token, time.Now())
	o.Expiry = time.Time{}
	if _, err := oauth.Fresh(ctx, o, nil); err != nil {
		t.Fatalf("refresh with the registered client: %v", err)
	}
	id := o.ClientID
	res, err = authorise(t, s, o, false, s.User, testoauth.Email)
	if err != nil {
		t.Fatal(err)
	}
	if res.Registered || o.ClientID != id || len(s.Registrations()) != 1 {
		t.Fatalf("second login registered again (%v, %q, %d registrations)", res.Registered, o.ClientID, len(s.Registrations()))
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestIdentityMustBeTheAccounts: a consent by another user is refused
// with both names said, whether the names come from the id_token or, for
// a client whose id_token carries only the subject, from userinfo; the
// right user passes, and so does a delegate the account names.
func TestIdentityMustBeTheAccounts(t *testing.T) {
	for _, claims := range []bool{true, false} {
		src := map[bool]string{true: "id_token", false: "userinfo"}[claims]
		t.Run(src, func(t *testing.T) {
			s := testoauth.StartWith(t, testoauth.Options{Registration: true, ClaimsInIDToken: claims})
			o := &vault.OAuth{Provider: oauth.Custom, Issuer: s.URL}
			res, err := authorise(t, s, o, false, testoauth.User2, testoauth.Email)
			var ie *oauth.IdentityError
			if !errors.As(err, &ie) || res != nil {
				t.Fatalf("consent by the other user: %v (result %v), want an IdentityError", err, res)
			}
			if ie.Consented != testoauth.Email2 || !strings.Contains(err.Error(), testoauth.Email) {
				t.Errorf("error %q does not name who consented and who should have", err)
			}
			if o.RefreshToken != "" || o.AccessToken != "" {
				t.Fatal("the refused login left tokens in the account")
			}
			res, err = authorise(t, s, o, false, s.User, testoauth.Email)
			if err != nil || res.Consent.Source != src {
				t.Fatalf("the right user: %v (%+v)", err, res)
			}
			o.Identity = testoauth.Email2 // a delegate
			if _, err := authorise(t, s, o, false, testoauth.User2, testoauth.Email); err != nil {
				t.Fatalf("the named delegate: %v", err)
			}
		})
	}
}

// TestIDTokenChecked: an id_token is believed only for its own issuer's
// keys and its own audience.
func TestIDTokenChecked(t *testing.T) {
	s := testoauth.StartWith(t, testoauth.Options{Registration: true, ClaimsInIDToken: true})
	other := testoauth.StartWith(t, testoauth.Options{Registration: true})
	o := &vault.OAuth{Provider: oauth.Custom, Issuer: s.URL}
	res, err := authorise(t, s, o, false, s.User, testoauth.Email)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, err := oauth.WhoConsented(ctx, o, res.Token, ""); err != nil || c.Email != testoauth.Email {
		t.Fatalf("the token's own issuer: %+v, %v", c, err)
	}
	wrongAud := *o
	wrongAud.ClientID = "someone-else"
	if _, err := oauth.WhoConsented(ctx, &wrongAud, res.Token, ""); err == nil || !strings.Contains(err.Error(), "did not verify") {
		t.Fatalf("another audience: %v", err)
	}
	wrongIss := *o
	wrongIss.Issuer, wrongIss.UserinfoURL = other.URL, ""
	if _, err := oauth.WhoConsented(ctx, &wrongIss, res.Token, ""); err == nil || !strings.Contains(err.Error(), "did not verify") {
		t.Fatalf("another issuer's keys: %v", err)
	}
	if _, err := oauth.WhoConsented(ctx, o, res.Token, "not-the-nonce"); err == nil {
		t.Fatal("a wrong nonce was accepted")
	}
}
