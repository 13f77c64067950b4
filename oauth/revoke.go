package oauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Revoke asks o's provider to revoke a refresh token (RFC 7009). A
// provider without a revocation endpoint is not an error: revoked is
// false then.
func Revoke(ctx context.Context, o *vault.OAuth, refreshToken string) (revoked bool, err error) {
	if o.RevokeURL == "" || refreshToken == "" {
		return false, nil
	}
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	if o.ClientSecret == "" {
		form.Set("client_id", o.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return false, fmt.Errorf("revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if o.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	}
	resp, err := clientFrom(ctx).Do(req)
	if err != nil {
		return false, fmt.Errorf("revoke: %s", scrub(err.Error(), refreshToken, o.ClientSecret))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("revoke: endpoint answered %s: %s", resp.Status, scrub(string(body), refreshToken, o.ClientSecret))
	}
	return true, nil
}
