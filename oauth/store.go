package oauth

import (
	"errors"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Store is a Saver that writes an account's new tokens into the vault file
// at path, under its lock and merged with whatever else changed there, so a
// rotated refresh token is on disk (atomically: temp file, fsync, rename)
// before it is used. A busy lock is retried for wait.
func Store(path string, id *vault.Identity, accountID string, wait time.Duration) Saver {
	return func(o *vault.OAuth) error {
		deadline := time.Now().Add(wait)
		for {
			f, err := vault.OpenLocked(path, id)
			var locked *vault.LockedError
			if errors.As(err, &locked) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if err != nil {
				return fmt.Errorf("store new token: %w", err)
			}
			defer f.Close()
			a := f.Vault.FindID(accountID)
			if a == nil {
				return fmt.Errorf("store new token: the account is no longer in the vault")
			}
			SetTokens(a, o)
			_, err = f.SaveMerged()
			return err
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
	a.OAuth.RefreshToken = o.RefreshToken
	a.OAuth.AccessToken = o.AccessToken
	a.OAuth.Expiry = o.Expiry
	a.OAuth.Refreshed = o.Refreshed
}
