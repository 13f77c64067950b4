package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// The token, device and revocation endpoints an account names get the
// rule http.go applies to discovered ones (https, http only on loopback),
// when the account is added and again before each use: an account saved
// before the rule may hold a plain http URL, and a refresh token must not
// cross a network in clear.

// CheckEndpoint refuses a URL that is not https, or http on a loopback
// host; name is the flag it came from ("token-url").
func CheckEndpoint(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("--%s %q is not an http(s) URL", name, raw)
	}
	return checkSecureURL("--"+name, raw)
}

// checkEndpoints checks every endpoint o names.
func checkEndpoints(o *vault.OAuth) error {
	for _, e := range []struct{ name, v string }{{"auth-url", o.AuthURL}, {"token-url", o.TokenURL}, {"device-url", o.DeviceURL}, {"revoke-url", o.RevokeURL}} {
		if e.v == "" {
			continue
		}
		if err := CheckEndpoint(e.name, e.v); err != nil {
			return err
		}
	}
	return nil
}

// redirected is the refusal refuseRedirect made, without the request line
// the client wraps it in, scrubbed of secrets (the target is the server's).
func redirected(err error, secrets ...string) error {
	var to string
	var ue *url.Error
	if errors.As(err, &ue) {
		to = strings.TrimPrefix(ue.Err.Error(), ErrRedirect.Error())
	}
	return fmt.Errorf("%w%s", ErrRedirect, scrub(to, secrets...))
}
