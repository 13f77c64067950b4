package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/vault"
)

// ErrInsecureEndpoint: an OAuth2 endpoint that is not https (http is fine
// only on this machine's loopback, where nothing crosses a network).
var ErrInsecureEndpoint = errors.New("OAuth2 endpoints must be https (http only on a loopback address)")

// ErrRedirected: an endpoint we post a secret to answered with a redirect.
// Following it would send the refresh token or client secret again, to
// wherever it points (a 307 or 308 keeps the body).
var ErrRedirected = errors.New("the OAuth2 endpoint redirected; not followed, so no secret went there")

// CheckEndpoint refuses a URL that is not https, or http on a loopback
// host; name is the flag it came from ("token-url").
func CheckEndpoint(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("--%s %q is not an http(s) URL", name, raw)
	}
	if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
		return fmt.Errorf("--%s %s: %w", name, u.Redacted(), ErrInsecureEndpoint)
	}
	return nil
}

// checkEndpoints checks every endpoint o names, also for accounts saved
// before the rule (their URLs are used, not only the ones typed now).
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

// loopbackHost: localhost or an address in 127.0.0.0/8 or ::1.
func loopbackHost(h string) bool {
	if strings.EqualFold(strings.TrimSuffix(h, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// noRedirects is a client's CheckRedirect that follows none.
func noRedirects(req *http.Request, via []*http.Request) error {
	return fmt.Errorf("%w (to %s)", ErrRedirected, req.URL.Redacted())
}

// redirected is the refusal noRedirects made, without the request line the
// client wraps it in, scrubbed of secrets (the target is the server's).
func redirected(err error, secrets ...string) error {
	var to string
	var ue *url.Error
	if errors.As(err, &ue) {
		to = strings.TrimPrefix(ue.Err.Error(), ErrRedirected.Error())
	}
	return fmt.Errorf("%w%s", ErrRedirected, scrub(to, secrets...))
}

// client is the HTTP client for an endpoint: a time limit, no redirects.
// A client the caller put in ctx (tests trusting a test CA, say) keeps its
// transport but loses its redirect policy.
func client(ctx context.Context) *http.Client {
	c := &http.Client{Timeout: HTTPTimeout}
	if given, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && given != nil {
		cp := *given
		c = &cp
	}
	c.CheckRedirect = noRedirects
	return c
}

// withClient makes golang.org/x/oauth2 use client(ctx).
func withClient(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, client(ctx))
}
