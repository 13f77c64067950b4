package oauth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// aadCode finds Microsoft Entra's error code (AADSTS and digits) in a
// provider's words.
var aadCode = regexp.MustCompile(`\bAADSTS[0-9]{5,7}\b`)

// Hint says what a person can do about err, a failed login or refresh of
// the account called name, or "" when there is nothing better to say than
// the error itself. The provider's words stay in the error; the hint is
// ours.
func Hint(err error, name string) string {
	login := fmt.Sprintf("'imapvault oauth login %s'", name)
	var ie *IdentityError
	var re *RegistrationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ie):
		return fmt.Sprintf("sign in as %s (a private window avoids the account a browser already holds), then run %s again; for a shared mailbox reached as yourself, name yourself with 'imapvault edit %s --oauth-identity YOU'",
			strings.Join(ie.Want, " or "), login, name)
	case errors.As(err, &re):
		return re.Hint()
	case errors.Is(err, ErrNoClientID):
		return "give a client id with --client-id, or an --issuer that offers dynamic registration (README: OAuth2, 'Where a client id comes from')"
	case errors.Is(err, ErrCodeExpired):
		return fmt.Sprintf("run %s again and enter the code sooner", login)
	case errors.Is(err, ErrIdentityUnknown):
		return "ask for the openid and email scopes (--scope), or use a provider that publishes userinfo"
	}
	var te *TokenError
	if !errors.As(err, &te) {
		return ""
	}
	if h, ok := aadHints[aadCode.FindString(te.Description)]; ok {
		return strings.ReplaceAll(h, "LOGIN", login)
	}
	if h, ok := codeHints[te.Code]; ok {
		return strings.ReplaceAll(h, "LOGIN", login)
	}
	if strings.Contains(strings.ToLower(te.Description), "redirect_uri") {
		return codeHints["redirect_uri_mismatch"]
	}
	return ""
}

// aadHints are Microsoft Entra's errors that people meet with IMAP.
var aadHints = map[string]string{
	"AADSTS7000112": "the application (its client id) is disabled in this tenant: ask the tenant's administrator to enable it, or use another client id (--client-id)",
	"AADSTS700082":  "the refresh token expired after 90 days without use: run LOGIN; a 'check' now and then keeps it alive",
	"AADSTS50076":   "the tenant now asks for multi-factor authentication: run LOGIN and complete it in the browser",
	"AADSTS50079":   "the tenant requires you to set up multi-factor authentication: run LOGIN and enrol when asked",
	"AADSTS65001":   "nobody has consented to this application yet: run LOGIN and accept; in a work tenant that blocks user consent an administrator must grant it",
	"AADSTS90072":   "the account is not in the tenant these endpoints name: a personal account needs --tenant consumers, a work or school account --tenant organizations (or its tenant id); set it with 'imapvault edit', then run LOGIN",
	"AADSTS50020":   "the account is not in the tenant these endpoints name: use --tenant organizations or the account's own tenant, then run LOGIN",
	"AADSTS50011":   "the redirect address is not registered for this client id: add http://localhost and http://127.0.0.1 as public client (mobile and desktop) redirect URIs, or log in with --device",
	"AADSTS500113":  "the client id has no redirect address registered: add http://localhost as a public client (mobile and desktop) redirect URI, or log in with --device",
	"AADSTS7000218": "the client id is not a public client: in its app registration set 'Allow public client flows' to Yes (the device flow needs it), or give its secret with --client-secret-file",
	"AADSTS700016":  "no application with this client id exists in the tenant: check --client-id, and --tenant for a single-tenant registration",
}

// codeHints are RFC 6749 / RFC 8628 error codes.
var codeHints = map[string]string{
	"invalid_grant":         "the refresh token expired or was revoked, or consent was withdrawn: run LOGIN",
	"no_refresh_token":      "run LOGIN",
	"invalid_client":        "the provider does not accept this client id (or its secret): check --client-id and --client-secret-file",
	"unauthorized_client":   "this client id may not use this flow: try the other one (--browser or --device)",
	"invalid_scope":         "the provider refused the scopes: check --scope",
	"redirect_uri_mismatch": "the client's registration does not allow the loopback redirect http://127.0.0.1:PORT/callback: register http://127.0.0.1 (any port) for a desktop client, or log in with --device",
	"expired_token":         "run LOGIN again and enter the code sooner",
}
