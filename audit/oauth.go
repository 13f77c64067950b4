package audit

import (
	"fmt"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// OAuthIdleStale is how long an OAuth2 refresh token may go unused before
// it is stale: Microsoft expires refresh tokens after 90 days idle.
const OAuthIdleStale = 80 * day24

// oauthStaleFindings: an oauth2 account's refresh token unused for
// OAuthIdleStale (a password's age means nothing for these accounts).
func oauthStaleFindings(v *vault.Vault, now time.Time) []Finding {
	var out []Finding
	for _, a := range v.Accounts {
		if !a.IsOAuth2() || a.OAuth == nil || a.OAuth.RefreshToken == "" {
			continue
		}
		f := Finding{AccountID: a.ID, Account: a.Name, Kind: Stale, Severity: Medium}
		used := a.OAuth.Refreshed
		switch idle := now.Sub(used); {
		case used.IsZero():
			f.Message = fmt.Sprintf("the OAuth2 refresh token was never used here: run `imapvault check %s` to use it before it expires", shellQuote(a.Name))
		case idle >= OAuthIdleStale:
			if idle >= 90*day24 {
				f.Severity = High
			}
			f.Message = fmt.Sprintf("the OAuth2 refresh token has not been used for %d days (Microsoft expires them after 90): run `imapvault check %s` to use it, or `imapvault oauth login %s`",
				int(idle/day24), shellQuote(a.Name), shellQuote(a.Name))
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}
