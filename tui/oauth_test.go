package tui

import (
	"strings"
	"testing"
	"time"

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

// TestRotateOAuth2AccountStartsNoPasswordRotation: `r` on an oauth2 account
// must not generate a password; it says how the account rotates instead.
func TestRotateOAuth2AccountStartsNoPasswordRotation(t *testing.T) {
	accs := testAccounts()
	accs[0].Auth = vault.AuthOAuth2
	accs[0].OAuth = &vault.OAuth{Provider: "google", ClientID: "cid", RefreshToken: "rt"}
	fx := newFixture(t, false, accs)
	d := unlocked(t, fx)
	d.selectName(accs[0].Name)
	d.keys("r")
	if d.m.screen == scrRotate {
		t.Fatal("r started a password rotation on an oauth2 account")
	}
	d.wantScreen("imapvault rotate " + accs[0].Name)
	if a := fx.reopen(t).Find(accs[0].Name); a.Pending != nil {
		t.Fatal("a pending password was saved for an oauth2 account")
	}
}
