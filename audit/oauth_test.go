package audit

import (
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// TestOAuthAccounts: an oauth2 account is stale when its refresh token has
// been idle 80+ days (not by its password's age), token_revoked is
// login_failed with the way out, and weak/reused/breached never apply to
// it, even when it kept an old password from before the switch.
func TestOAuthAccounts(t *testing.T) {
	toOAuth := func(v *vault.Vault, idleDays int) *vault.Account {
		a := v.Find("work")
		a.Auth = vault.AuthOAuth2
		a.OAuth = &vault.OAuth{Provider: "microsoft", ClientID: "cid", RefreshToken: "rt-SENTINEL-audit", Refreshed: daysAgo(idleDays)}
		a.Password = "hunter2" // weak, breached and reused below: none of that applies
		v.Find("home").Password = "hunter2"
		a.Changed = daysAgo(900)
		return a
	}
	tests := []struct {
		name   string
		idle   int
		status string
		kind   Kind
		want   bool
		sev    Severity
		msg    string
	}{
		{"fresh token is not stale", 10, "", Stale, false, "", ""},
		{"idle 80 days is stale", 81, "", Stale, true, Medium, "not been used for 81 days"},
		{"idle 95 days is high", 95, "", Stale, true, High, "oauth login work"},
		{"revoked token is login_failed", 1, "token_revoked", LoginFailed, true, High, "imapvault oauth login work"},
		{"token error is login_failed", 1, "token_error", LoginFailed, true, Medium, "token endpoint failed"},
		{"not weak", 1, "", Weak, false, "", ""},
		{"not breached", 1, "", Breached, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := cleanVault()
			a := toOAuth(v, tt.idle)
			if tt.status != "" {
				a.LastCheck = &vault.Check{At: daysAgo(1), Status: tt.status, Error: "token endpoint refused: invalid_grant"}
			}
			fs, err := Run(v, Options{Now: now, Breached: smallBreachFile(t, map[string]int{"hunter2": 17})})
			if err != nil {
				t.Fatal(err)
			}
			var got *Finding
			for i := range fs {
				if fs[i].Account == "work" && fs[i].Kind == tt.kind {
					got = &fs[i]
				}
				if fs[i].Account == "work" && (fs[i].Kind == Reused || fs[i].Kind == Weak || fs[i].Kind == Breached) {
					t.Errorf("password finding on an oauth2 account: %+v", fs[i])
				}
				if strings.Contains(fs[i].Message, "SENTINEL") {
					t.Errorf("token in finding %+v", fs[i])
				}
			}
			if (got != nil) != tt.want {
				t.Fatalf("%s finding present = %v, want %v (%+v)", tt.kind, got != nil, tt.want, fs)
			}
			if got != nil && (got.Severity != tt.sev || !strings.Contains(got.Message, tt.msg)) {
				t.Errorf("finding %+v, want severity %s and %q", got, tt.sev, tt.msg)
			}
		})
	}
}
