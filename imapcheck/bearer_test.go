package imapcheck_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
)

// TestCheckBearer logs in with an OAuth2 access token against the
// in-process server: OAUTHBEARER when offered, else XOAUTH2, and a refused
// token is auth_failed with the server's error challenge decoded into the
// message (and the token nowhere in the result).
func TestCheckBearer(t *testing.T) {
	const good = "access-SENTINEL-good-4711"
	const bad = "access-SENTINEL-bad-0815"
	tests := []struct {
		name    string
		mechs   []string
		token   string
		status  imapcheck.Status
		message string
		mech    string // the mechanism the server must have seen
	}{
		{"oauthbearer preferred", nil, good, imapcheck.StatusOK, "", "OAUTHBEARER"},
		{"xoauth2 fallback", []string{"XOAUTH2"}, good, imapcheck.StatusOK, "", "XOAUTH2"},
		{"xoauth2 error challenge", []string{"XOAUTH2"}, bad, imapcheck.StatusAuthFailed, "XOAUTH2 token refused (status 400, schemes Bearer, scope https://mail.google.com/)", "XOAUTH2"},
		{"oauthbearer error challenge", nil, bad, imapcheck.StatusAuthFailed, "OAUTHBEARER token refused (status invalid_token", "OAUTHBEARER"},
		{"no bearer mechanism", []string{"PLAIN"}, good, imapcheck.StatusAuthFailed, "neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			s := testimap.Start(t, testimap.Options{
				BearerMechs: tt.mechs,
				Bearer: func(u, tok string) bool {
					seen = append(seen, u)
					return u == user && tok == good
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			r := imapcheck.Check(ctx, imapcheck.Target{
				Name: "acct", Host: s.Host(), Port: s.Port(), Security: imapcheck.TLS,
				Username: user, Bearer: tt.token, TLSConfig: &tls.Config{RootCAs: s.RootCAs()},
			})
			if r.Status != tt.status {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Message, tt.status)
			}
			if !strings.Contains(r.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", r.Message, tt.message)
			}
			if tt.mech != "" && len(seen) != 1 {
				t.Errorf("server checked %d tokens, want 1", len(seen))
			}
			if tt.mech == "" && s.SawLogin() {
				t.Errorf("the token was sent to a server that takes no bearer tokens")
			}
			if strings.Contains(r.Message+r.Alert+r.Greeting, "SENTINEL") {
				t.Errorf("token in the result: %+v", r)
			}
		})
	}
}
