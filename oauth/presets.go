// Package oauth holds OAuth2 accounts' credentials fresh: provider presets,
// the login flows (authorization code with PKCE over a loopback redirect,
// RFC 8252, and the device flow, RFC 8628), refresh with the rotated
// refresh token saved before anything else, and revocation (RFC 7009).
package oauth

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/vault"
)

// Providers known by name; any other server is "custom" and brings its own
// endpoints.
const (
	Google    = "google"
	Microsoft = "microsoft"
	Custom    = "custom"
)

// RefreshBefore is how much life an access token must have left to be used
// as it is; with less, it is refreshed first.
const RefreshBefore = 5 * time.Minute

// IdleStale is how long a refresh token may go unused before the audit
// calls it stale: Microsoft expires refresh tokens after 90 days idle.
const IdleStale = 80 * 24 * time.Hour

// Preset is a provider's endpoints and the scopes IMAP needs there.
type Preset struct {
	AuthURL, TokenURL, DeviceURL, RevokeURL string
	Scopes                                  []string
}

// Presets are the providers imapvault knows. The user brings the client id
// (see the README for how to register one).
var Presets = map[string]Preset{
	Google: {
		AuthURL:   "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:  "https://oauth2.googleapis.com/token",
		DeviceURL: "https://oauth2.googleapis.com/device/code",
		RevokeURL: "https://oauth2.googleapis.com/revoke",
		Scopes:    []string{"https://mail.google.com/"},
	},
	Microsoft: {
		AuthURL:   "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
		TokenURL:  "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		DeviceURL: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
		// Microsoft has no RFC 7009 endpoint for these tokens.
		Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"},
	},
}

// Apply fills the endpoints and scopes that o leaves empty from its
// provider's preset, then checks that o can work: a client id, a token
// endpoint and http(s) URLs. A custom provider must name its endpoints.
func Apply(o *vault.OAuth) error {
	if o.Provider == "" {
		o.Provider = Custom
	}
	p, known := Presets[o.Provider]
	if !known && o.Provider != Custom {
		return fmt.Errorf("unknown OAuth2 provider %q (want google, microsoft or custom)", o.Provider)
	}
	fill := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	fill(&o.AuthURL, p.AuthURL)
	fill(&o.TokenURL, p.TokenURL)
	fill(&o.DeviceURL, p.DeviceURL)
	fill(&o.RevokeURL, p.RevokeURL)
	if len(o.Scopes) == 0 {
		o.Scopes = append([]string(nil), p.Scopes...)
	}
	if o.ClientID == "" {
		return fmt.Errorf("an OAuth2 account needs a client id (--client-id): register one with %s (see the README)", o.Provider)
	}
	if o.TokenURL == "" {
		return fmt.Errorf("a custom OAuth2 provider needs --token-url")
	}
	return checkEndpoints(o) // httpclient.go
}

// Config is the golang.org/x/oauth2 client configuration of o. RedirectURL
// is set by the login flow.
func Config(o *vault.OAuth) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL: o.AuthURL, TokenURL: o.TokenURL, DeviceAuthURL: o.DeviceURL,
		},
		Scopes: o.Scopes,
	}
}

// SplitScopes splits a --scope value at spaces and commas.
func SplitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}
