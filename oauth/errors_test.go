package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// TestProviderErrorsKeepTheirWords: Microsoft's answers (no Microsoft
// here: a stand-in that checks the refresh request's shape and answers
// with Entra's JSON) become token_revoked for invalid_grant and
// token_error otherwise, with the AADSTS code and words kept and the
// refresh token and client secret nowhere in the message.
func TestProviderErrorsKeepTheirWords(t *testing.T) {
	const rt, secret = "rt-SENTINEL-ms", "secret-SENTINEL-ms"
	tests := []struct {
		name, body string
		status     imapcheck.Status
		words      string
		hint       string // what the person is told to do
	}{
		{"idle token", `{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity. rt-SENTINEL-ms"}`,
			imapcheck.StatusTokenRevoked, "AADSTS700082: The refresh token has expired due to inactivity", "90 days without use"},
		{"bad secret", `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`,
			imapcheck.StatusTokenError, "invalid_client: AADSTS7000215: Invalid client secret provided.", "--client-secret-file"},
		{"revoked", `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`,
			imapcheck.StatusTokenRevoked, "Token has been expired or revoked.", "revoked, or consent was withdrawn"},
		{"client disabled", `{"error":"unauthorized_client","error_description":"AADSTS7000112: Application 'cid'(imapvault) is disabled."}`,
			imapcheck.StatusTokenError, "AADSTS7000112: Application", "disabled in this tenant"},
		{"mfa", `{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication."}`,
			imapcheck.StatusTokenRevoked, "AADSTS50076", "multi-factor authentication: run 'imapvault oauth login work'"},
		{"mfa enrolment", `{"error":"invalid_grant","error_description":"AADSTS50079: Due to a configuration change, the user is required to use multi-factor authentication."}`,
			imapcheck.StatusTokenRevoked, "AADSTS50079", "set up multi-factor"},
		{"consent", `{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application."}`,
			imapcheck.StatusTokenRevoked, "AADSTS65001", "administrator must grant it"},
		{"not in tenant", `{"error":"invalid_grant","error_description":"AADSTS90072: User account 'me@example.org' from identity provider 'live.com' does not exist in tenant 'Contoso'."}`,
			imapcheck.StatusTokenRevoked, "AADSTS90072", "--tenant consumers"},
		{"redirect", `{"error":"invalid_grant","error_description":"AADSTS50011: The redirect URI 'http://127.0.0.1:4711/callback' specified in the request does not match the redirect URIs configured."}`,
			imapcheck.StatusTokenRevoked, "AADSTS50011", "http://127.0.0.1 as public client"},
		{"redirect_uri_mismatch", `{"error":"redirect_uri_mismatch","error_description":"Bad Request"}`,
			imapcheck.StatusTokenError, "redirect_uri_mismatch", "loopback redirect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				_, pw, _ := r.BasicAuth()
				if r.Form.Get("grant_type") != "refresh_token" || r.Form.Get("refresh_token") != rt ||
					(pw != secret && r.Form.Get("client_secret") != secret) {
					t.Errorf("refresh request of the wrong shape: %v", r.Form)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			a := &vault.Account{Name: "work", Auth: vault.AuthOAuth2, OAuth: &vault.OAuth{Provider: oauth.Microsoft,
				ClientID: "cid", ClientSecret: secret, TokenURL: srv.URL, RefreshToken: rt}}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, res := oauth.PrepareCheck(ctx, a, imapcheck.Target{}, func(ctx context.Context, o *vault.OAuth) (string, error) { return oauth.Fresh(ctx, o, nil) })
			if res == nil {
				t.Fatal("no failure reported")
			}
			if res.Status != tt.status || !strings.Contains(res.Message, tt.words) {
				t.Fatalf("%s %q, want %s with %q", res.Status, res.Message, tt.status, tt.words)
			}
			if !strings.Contains(res.Message, tt.hint) {
				t.Errorf("message %q lacks the hint %q", res.Message, tt.hint)
			}
			if strings.Contains(res.Message, "SENTINEL") {
				t.Fatalf("secret in %q", res.Message)
			}
			if tt.status == imapcheck.StatusTokenRevoked && !strings.Contains(res.Message, "imapvault oauth login work") {
				t.Errorf("message %q does not say how to log in again", res.Message)
			}
		})
	}
}
