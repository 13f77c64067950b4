package lastcheck

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/vault"
)

// Prove logs in to one account's servers as check does (Run: IMAP, and
// SMTP beside it when a has an endpoint), for a credential about to be
// kept: a new account before it is saved, a new OAuth2 token before it
// replaces the old one. bearer is the access token of an OAuth2 account
// (used as is, never refreshed); "" uses a's password. timeout bounds
// each side.
func Prove(ctx context.Context, a *vault.Account, bearer string, timeout time.Duration, tlsConf *tls.Config) Both {
	pool := imapcheck.Pool{Concurrency: 1, PerHost: 1, Timeout: timeout}
	if bearer != "" {
		pool.Prepare = func(_ context.Context, _ int, t imapcheck.Target) (imapcheck.Target, *imapcheck.Result) {
			t.Password, t.Bearer = "", bearer
			return t, nil
		}
	}
	var b Both
	for it := range Run(ctx, pool, []*vault.Account{a}, tlsConf) {
		b = it.Result
	}
	return b
}
