package vault

import (
	"testing"
	"time"
)

// TestMergeKeepsNewestRefreshToken: whichever side refreshed last holds the
// refresh token the provider honours (it rotates them), so that one wins,
// whichever side is ours; client settings changed on one side only are
// kept; a side that never had OAuth2 settings cannot drop them.
func TestMergeKeepsNewestRefreshToken(t *testing.T) {
	base := func() *Vault {
		v := mergeBase()
		a := v.Accounts[0]
		a.Auth = AuthOAuth2
		a.OAuth = &OAuth{Provider: "google", ClientID: "cid", TokenURL: "https://t", RefreshToken: "rt-0", AccessToken: "at-0", Refreshed: mt0}
		return v
	}
	refresh := func(rt string, at time.Time) func(v *Vault) {
		return func(v *Vault) {
			o := v.Accounts[0].OAuth
			o.RefreshToken, o.AccessToken, o.Refreshed, o.Expiry = rt, "at-"+rt, at, at.Add(time.Hour)
		}
	}
	tests := []struct {
		name         string
		ours, theirs func(v *Vault)
		wantRT       string
		wantClient   string
	}{
		{"they refreshed", func(*Vault) {}, refresh("rt-t", mt1), "rt-t", "cid"},
		{"we refreshed", refresh("rt-o", mt1), func(*Vault) {}, "rt-o", "cid"},
		{"both, theirs newer", refresh("rt-o", mt1), refresh("rt-t", mt2), "rt-t", "cid"},
		{"both, ours newer", refresh("rt-o", mt2), refresh("rt-t", mt1), "rt-o", "cid"},
		{"they changed the client, we refreshed", refresh("rt-o", mt1), func(v *Vault) { v.Accounts[0].OAuth.ClientID = "cid-2" }, "rt-o", "cid-2"},
		{"they switched to password, we refreshed", refresh("rt-o", mt1), func(v *Vault) { v.Accounts[0].Auth, v.Accounts[0].OAuth = "", nil }, "rt-o", "cid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, o, th := base(), base(), base()
			tt.ours(o)
			tt.theirs(th)
			out, _ := mergeAt(b, o, th, mtNow)
			got := out.FindID("id-work").OAuth
			if got == nil {
				t.Fatal("merge dropped the OAuth2 settings")
			}
			if got.RefreshToken != tt.wantRT || got.AccessToken != "at-"+tt.wantRT && tt.wantRT != "rt-0" {
				t.Errorf("refresh token %q (access %q), want %q", got.RefreshToken, got.AccessToken, tt.wantRT)
			}
			if got.ClientID != tt.wantClient {
				t.Errorf("client id %q, want %q", got.ClientID, tt.wantClient)
			}
		})
	}
}
