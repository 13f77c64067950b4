package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Refresher returns an access token for o with at least RefreshBefore
// left, updating o's tokens when it had to refresh.
type Refresher func(ctx context.Context, o *vault.OAuth) (string, error)

// InVault refreshes against the vault file at path, under its lock: the
// file holds the newest tokens (another imapvault, the agent or a `get`
// may have refreshed since o was read), so a token still fresh there is
// used as it is, and otherwise the refresh uses the file's refresh token and
// saves the answer (atomically: temp file, fsync, rename) before the lock
// is let go and before the token is used. Holding the lock across the
// refresh keeps two processes from spending the same rotating refresh token
// at once, which would cost one of them the account. A busy lock is
// retried for wait.
func InVault(path string, id *vault.Identity, accountID string, wait time.Duration) Refresher {
	return func(ctx context.Context, o *vault.OAuth) (string, error) {
		if !NeedsRefresh(o, time.Now()) {
			return o.AccessToken, nil
		}
		f, err := openLocked(ctx, path, id, wait)
		if err != nil {
			return "", fmt.Errorf("open the vault to refresh the token: %w", err)
		}
		defer f.Close()
		a := f.Vault.FindID(accountID)
		if a == nil || a.OAuth == nil {
			return "", errors.New("the account is no longer an oauth2 account in the vault")
		}
		disk := *a.OAuth
		tok, err := Fresh(ctx, &disk, func(n *vault.OAuth) error {
			SetTokens(a, n)
			_, err := f.SaveMerged()
			return err
		})
		if err != nil {
			return "", err
		}
		copyTokens(o, &disk)
		return tok, nil
	}
}

func openLocked(ctx context.Context, path string, id *vault.Identity, wait time.Duration) (*vault.File, error) {
	deadline := time.Now().Add(wait)
	for {
		f, err := vault.OpenLocked(path, id)
		var locked *vault.LockedError
		if !errors.As(err, &locked) || time.Now().After(deadline) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SetTokens copies o's tokens into a's OAuth (creating it from o when a
// has none) and leaves a's client settings alone.
func SetTokens(a *vault.Account, o *vault.OAuth) {
	if a.OAuth == nil {
		c := *o
		c.Scopes = append([]string(nil), o.Scopes...)
		a.OAuth = &c
		return
	}
	copyTokens(a.OAuth, o)
}

func copyTokens(dst, src *vault.OAuth) {
	dst.RefreshToken, dst.AccessToken, dst.Expiry, dst.Refreshed = src.RefreshToken, src.AccessToken, src.Expiry, src.Refreshed
}

// SaveTokens writes o's tokens into the account with accountID in the
// vault file at path, under its lock, merged with whatever else changed.
func SaveTokens(ctx context.Context, path string, id *vault.Identity, accountID string, o *vault.OAuth, wait time.Duration) error {
	f, err := openLocked(ctx, path, id, wait)
	if err != nil {
		return fmt.Errorf("open the vault to save the token: %w", err)
	}
	defer f.Close()
	a := f.Vault.FindID(accountID)
	if a == nil {
		return errors.New("the account is no longer in the vault")
	}
	SetTokens(a, o)
	a.Modified = time.Now()
	_, err = f.SaveMerged()
	return err
}
