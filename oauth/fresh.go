package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/vault"
)

// Saver makes new tokens durable (the vault, saved atomically) before they
// are used. Fresh calls it with a copy of the account's OAuth holding the
// new tokens; when it fails, the tokens are not used.
type Saver func(o *vault.OAuth) error

// HTTPTimeout bounds one call to a provider's endpoint when the context has
// no earlier deadline.
const HTTPTimeout = 20 * time.Second

// testHook lets crash tests stop the process at a named point.
var testHook = func(point string) {}

// NeedsRefresh reports whether o's access token has less than RefreshBefore
// left (or none) at now.
func NeedsRefresh(o *vault.OAuth, now time.Time) bool {
	return o.AccessToken == "" || o.Expiry.IsZero() || o.Expiry.Sub(now) < RefreshBefore
}

// Fresh returns an access token for o with at least RefreshBefore left,
// refreshing it when needed. After a refresh, save receives the new tokens
// (a rotated refresh token among them) before anything else happens; o is
// updated only once save succeeded. A refused refresh is a *TokenError that
// wraps ErrRevoked when the provider said invalid_grant.
func Fresh(ctx context.Context, o *vault.OAuth, save Saver) (string, error) {
	if !NeedsRefresh(o, time.Now()) {
		return o.AccessToken, nil
	}
	if o.RefreshToken == "" {
		return "", &TokenError{Revoked: true, Code: "no_refresh_token", Description: "no refresh token stored"}
	}
	tok, err := Config(o).TokenSource(withClient(ctx), &oauth2.Token{RefreshToken: o.RefreshToken}).Token()
	if err != nil {
		return "", tokenError(err, o.RefreshToken, o.ClientSecret, o.AccessToken)
	}
	testHook("refreshed")
	n := *o
	Absorb(&n, tok, time.Now())
	if save != nil {
		if err := save(&n); err != nil {
			return "", fmt.Errorf("save refreshed token: %w", err)
		}
	}
	testHook("saved")
	*o = n
	return o.AccessToken, nil
}

// Absorb puts a token response into o. A provider that does not rotate
// sends no refresh token: the one held stays.
func Absorb(o *vault.OAuth, tok *oauth2.Token, now time.Time) {
	o.AccessToken = tok.AccessToken
	o.Expiry = tok.Expiry
	if tok.Expiry.IsZero() {
		o.Expiry = now.Add(time.Hour) // RFC 6749 leaves expires_in optional
	}
	if tok.RefreshToken != "" {
		o.RefreshToken = tok.RefreshToken
	}
	o.Refreshed = now
}

// IsRevoked reports whether err says the refresh token is dead.
func IsRevoked(err error) bool { return errors.Is(err, ErrRevoked) }
