package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// newHTTPClient is the one HTTP client of this package: every request to a
// provider (token, device, revocation, metadata, registration, userinfo,
// keys) goes through a client made here, so one rule holds for all of
// them. It follows no redirect: a token endpoint that answers 307 would
// have the refresh token posted to wherever it points, and no endpoint we
// call has a reason to move.
func newHTTPClient() *http.Client {
	return &http.Client{Timeout: HTTPTimeout, CheckRedirect: refuseRedirect}
}

// ErrRedirect is returned when an endpoint answered with a redirect.
var ErrRedirect = errors.New("the endpoint answered with a redirect, which imapvault does not follow")

func refuseRedirect(req *http.Request, _ []*http.Request) error {
	return fmt.Errorf("%w (to %s)", ErrRedirect, req.URL.Redacted())
}

// clientFrom is the client in ctx (withClient put it there, or a test),
// else a new one.
func clientFrom(ctx context.Context) *http.Client {
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		return c
	}
	return newHTTPClient()
}

// withClient makes golang.org/x/oauth2 use this package's client.
func withClient(ctx context.Context) context.Context {
	if _, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, newHTTPClient())
}

// ErrInsecureURL is wrapped when an endpoint is not https (plain http is
// allowed for loopback hosts only, where nothing crosses a network).
var ErrInsecureURL = errors.New("not an https URL")

// checkSecureURL accepts an https URL, or http on a loopback host.
func checkSecureURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%s %q is not a usable URL", what, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopbackHost(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("%s %q: %w (http only for 127.0.0.1, ::1 or localhost)", what, raw, ErrInsecureURL)
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// errTooLarge is returned by readBounded when a body exceeds its budget.
var errTooLarge = errors.New("answer too large")

// readBounded reads at most limit bytes of r, failing (rather than
// truncating) when there are more.
func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (over %d bytes)", errTooLarge, limit)
	}
	return b, nil
}
