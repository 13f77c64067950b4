package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/vault"
)

// PrepareCheck gives an oauth2 account's check target a fresh access token
// (refreshed by refresh when needed, normally InVault). When the refresh fails,
// it returns the result to report instead of a check: token_revoked for
// invalid_grant (the message says to log in again), token_error for
// anything else, with the provider's code and words. t is the target built
// from the account (lastcheck.Target); a.OAuth is updated in place.
func PrepareCheck(ctx context.Context, a *vault.Account, t imapcheck.Target, refresh Refresher) (imapcheck.Target, *imapcheck.Result) {
	start := time.Now()
	failed := func(err error) *imapcheck.Result {
		r := &imapcheck.Result{Name: a.Name, At: start, Status: imapcheck.StatusTokenError, Message: err.Error()}
		var te *TokenError
		if errors.As(err, &te) && te.Code != "" {
			r.Code = te.Code
		}
		h := Hint(err, a.Name)
		if IsRevoked(err) {
			r.Status = imapcheck.StatusTokenRevoked
			if !strings.Contains(h, "oauth login") {
				h = strings.TrimPrefix(h+"; ", "; ") + fmt.Sprintf("run 'imapvault oauth login %s' to authorise again", a.Name)
			}
		}
		if h != "" {
			r.Message = err.Error() + "; " + h
		}
		r.Timings.Total = time.Since(start)
		return r
	}
	if a.OAuth == nil {
		return t, failed(&TokenError{Revoked: true, Code: "no_refresh_token", Description: "the account has no OAuth2 settings"})
	}
	rctx, cancel := context.WithTimeout(ctx, HTTPTimeout)
	defer cancel()
	tok, err := refresh(rctx, a.OAuth)
	if err != nil {
		if ctx.Err() == nil && rctx.Err() != nil {
			err = &TokenError{Err: fmt.Errorf("no answer from the token endpoint within %s", HTTPTimeout)}
		}
		return t, failed(err)
	}
	t.Password = ""
	t.Bearer = tok
	return t, nil
}

// microsoftHosts take OAuth2 only: Microsoft turned basic auth off for
// Exchange Online and for Outlook.com.
var microsoftHosts = []string{"outlook.office365.com", "outlook.office.com", "outlook.live.com", "imap-mail.outlook.com"}

// IsMicrosoftHost reports whether host is one of Microsoft's IMAP servers.
func IsMicrosoftHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range microsoftHosts {
		if host == h {
			return true
		}
	}
	return false
}

// ExplainRefusal adds to a failed password login at a Microsoft host that
// Microsoft turned password IMAP off, and how to switch the account.
func ExplainRefusal(a *vault.Account, r *imapcheck.Result) {
	if a.IsOAuth2() || r.Status != imapcheck.StatusAuthFailed || !IsMicrosoftHost(a.Host) {
		return
	}
	r.Message = strings.TrimSpace(r.Message + fmt.Sprintf(
		" (Microsoft turned password IMAP off; switch with 'imapvault edit %s --auth oauth2 --provider microsoft --client-id ID', then 'imapvault oauth login %s')",
		a.Name, a.Name))
}
