package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// tokenSaveWait is how long saving a refreshed token waits for the vault's
// lock (another imapvault saving at the same moment).
const tokenSaveWait = 10 * time.Second

// freshTokens is the check pool's Prepare: oauth2 accounts get a fresh
// access token (a rotated refresh token is saved into the vault first);
// a failed refresh becomes the account's token_revoked/token_error result.
func (e *env) freshTokens(accts []*vault.Account, id *vault.Identity) func(context.Context, int, imapcheck.Target) (imapcheck.Target, *imapcheck.Result) {
	return func(ctx context.Context, i int, t imapcheck.Target) (imapcheck.Target, *imapcheck.Result) {
		a := accts[i]
		if !a.IsOAuth2() {
			return t, nil
		}
		return oauth.PrepareCheck(ctx, a, t, oauth.InVault(e.vaultPath, id, a.ID, tokenSaveWait))
	}
}

// AccessToken returns a fresh access token for an oauth2 account of the
// vault at path (refreshed when less than 5 minutes remain, under the
// vault's lock, with a rotated refresh token saved into the vault before
// the token is returned).
// `imapvault get NAME --field token` prints it.
func AccessToken(ctx context.Context, path string, id *vault.Identity, a *vault.Account) (string, error) {
	if !a.IsOAuth2() || a.OAuth == nil {
		return "", usageErr(fmt.Errorf("account %q logs in with a password, not OAuth2", a.Name), "use --field password")
	}
	tok, err := oauth.InVault(path, id, a.ID, tokenSaveWait)(ctx, a.OAuth)
	if oauth.IsRevoked(err) {
		return "", withHint(err, fmt.Sprintf("run 'imapvault oauth login %s' to authorise again", a.Name))
	}
	return tok, err
}
