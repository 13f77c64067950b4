package tui

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// TestDetailShowsOAuth2Kind: an oauth2 account's detail names its kind and
// provider and shows the refresh token masked, never the token.
func TestDetailShowsOAuth2Kind(t *testing.T) {
	accs := testAccounts()
	accs[0].Auth = vault.AuthOAuth2
	accs[0].OAuth = &vault.OAuth{Provider: "microsoft", ClientID: "cid-123", RefreshToken: "rt-SENTINEL-tui",
		AccessToken: "at-SENTINEL-tui", Refreshed: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	fx := newFixture(t, false, accs)
	d := unlocked(t, fx)
	d.selectName(accs[0].Name)
	d.keys("enter")
	d.wantScreen("oauth2, microsoft, client cid-123", "refresh token", "last used 2026-11-01")
	if s := d.screen(); strings.Contains(s, "SENTINEL") {
		t.Fatalf("token on screen:\n%s", s)
	}
}

// TestRotateOAuth2AccountReauthorises: `r` on an oauth2 account starts no
// password rotation: it runs the device flow, shows the URL and code in
// the status line while it waits, logs in with the new token, keeps it in
// the vault and revokes the old refresh token.
func TestRotateOAuth2AccountReauthorises(t *testing.T) {
	as := testoauth.Start(t)
	srv := testimap.Start(t, testimap.Options{Bearer: func(_, tok string) bool { return as.Active(tok) }})
	o := &vault.OAuth{Provider: oauth.Custom, AuthURL: as.AuthURL(), TokenURL: as.TokenURL(), DeviceURL: as.DeviceURL(),
		RevokeURL: as.RevokeURL(), ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret, Scopes: testoauth.Scopes,
		RefreshToken: "rt-old-unknown-to-the-server"}
	accs := testAccounts()
	a := accs[0]
	a.Auth, a.OAuth, a.Host, a.Port, a.Security, a.Username = vault.AuthOAuth2, o, srv.Host(), srv.Port(), vault.TLS, testoauth.Email
	fx := newFixture(t, false, accs)
	opts := fx.options()
	opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	d := newDriver(t, fx.model(opts))
	d.selectName(a.Name)
	d.keys("r")
	if d.m.screen == scrRotate {
		t.Fatal("r started a password rotation on an oauth2 account")
	}
	var flow oauthFlowMsg
	for _, m := range d.out {
		if f, ok := m.(oauthFlowMsg); ok {
			flow = f
		}
	}
	if flow.flow.UserCode == "" {
		t.Fatalf("no device flow started; messages %v", d.out)
	}
	d.out = nil
	// The person approves while the status line shows the code.
	go as.ApproveDevice(flow.flow.UserCode, true)
	d.send(flow)
	d.wantScreen("enter " + flow.flow.UserCode)
	var done oauthDoneMsg
	for _, m := range d.out {
		if f, ok := m.(oauthDoneMsg); ok {
			done = f
		}
	}
	if done.name == "" || done.err != nil {
		t.Fatalf("re-authorisation: %+v", done)
	}
	d.send(done)
	d.wantScreen("authorised again")
	got := fx.reopen(t).Find(a.Name)
	if got.Pending != nil || got.OAuth.RefreshToken == o.RefreshToken || !as.RefreshValid(got.OAuth.RefreshToken) {
		t.Fatal("the vault does not hold the new refresh token (or holds a pending password)")
	}
}

// TestReauthoriseProvesSMTP: authorising again in the TUI proves the new
// token on the account's SMTP server too, as the command line's rotate
// does; a submission server that refuses it keeps the old refresh token.
func TestReauthoriseProvesSMTP(t *testing.T) {
	as := testoauth.Start(t)
	active := func(_, tok string) bool { return as.Active(tok) }
	srv := testimap.Start(t, testimap.Options{Bearer: active})
	for _, c := range []struct {
		name    string
		accept  bool
		wantErr string
	}{
		{"smtp takes the token", true, ""},
		{"smtp refuses the token", false, "SMTP refused the new token (auth_failed at 127.0.0.1:"},
	} {
		t.Run(c.name, func(t *testing.T) {
			smtp := testsmtp.Start(t, testsmtp.Options{Bearer: func(u, tok string) bool { return c.accept && active(u, tok) }})
			o := &vault.OAuth{Provider: oauth.Custom, AuthURL: as.AuthURL(), TokenURL: as.TokenURL(), DeviceURL: as.DeviceURL(),
				RevokeURL: as.RevokeURL(), ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret, Scopes: testoauth.Scopes,
				RefreshToken: "rt-old-unknown-to-the-server"}
			accs := testAccounts()
			a := accs[0]
			a.Auth, a.OAuth, a.Host, a.Port, a.Security, a.Username = vault.AuthOAuth2, o, srv.Host(), srv.Port(), vault.TLS, testoauth.Email
			a.Address, a.SMTP = testoauth.Email, &vault.Endpoint{Host: smtp.Host(), Port: smtp.Port(), Security: vault.TLS}
			fx := newFixture(t, false, accs)
			opts := fx.options()
			opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
			d := newDriver(t, fx.model(opts))
			d.selectName(a.Name)
			d.keys("r")
			var flow oauthFlowMsg
			for _, m := range d.out {
				if f, ok := m.(oauthFlowMsg); ok {
					flow = f
				}
			}
			if flow.flow.UserCode == "" {
				t.Fatalf("no device flow started; messages %v", d.out)
			}
			d.out = nil
			go as.ApproveDevice(flow.flow.UserCode, true)
			d.send(flow)
			var done oauthDoneMsg
			for _, m := range d.out {
				if f, ok := m.(oauthDoneMsg); ok {
					done = f
				}
			}
			if smtp.Logins() != 1 || smtp.Datas() != 0 {
				t.Errorf("SMTP saw %d logins and %d DATA; want 1 and 0", smtp.Logins(), smtp.Datas())
			}
			got := fx.reopen(t).Find(a.Name)
			if c.wantErr == "" {
				if done.err != nil || got.OAuth.RefreshToken == o.RefreshToken {
					t.Fatalf("re-authorisation: %v; refresh token replaced: %v", done.err, got.OAuth.RefreshToken != o.RefreshToken)
				}
				return
			}
			if done.err == nil || !strings.Contains(done.err.Error(), c.wantErr) || !strings.Contains(done.err.Error(), "the old one stays") {
				t.Fatalf("re-authorisation against a refusing SMTP server: %v", done.err)
			}
			if got.OAuth.RefreshToken != o.RefreshToken {
				t.Fatal("a token SMTP refused replaced the old refresh token")
			}
			d.send(done)
			d.wantScreen("failed: SMTP refused the new token")
		})
	}
}
