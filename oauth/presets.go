// Package oauth holds OAuth2 accounts' credentials fresh: provider presets,
// the login flows (authorization code with PKCE over a loopback redirect,
// RFC 8252, and the device flow, RFC 8628), refresh with the rotated
// refresh token saved before anything else, and revocation (RFC 7009).
package oauth

import (
	"fmt"
	"net/url"
	"regexp"
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

// Preset is a provider's endpoints and the scopes IMAP needs there, and
// where it publishes who consented (id_token keys, userinfo).
type Preset struct {
	AuthURL, TokenURL, DeviceURL, RevokeURL string
	Scopes                                  []string
	// Issuer is the id_token issuer; for Microsoft's multi-tenant
	// endpoints it holds {tenantid}, filled from the token's tid claim.
	Issuer      string
	JWKSURL     string
	UserinfoURL string
}

// Presets are the providers imapvault knows. The user brings the client id
// (see the README for where one comes from). Scopes: Google's mail scope
// covers IMAP and SMTP; Microsoft's needs SMTP.Send beside IMAP, so the
// same refresh token serves submission. openid/email (and profile at
// Microsoft, for preferred_username) let the login read who consented.
var Presets = map[string]Preset{
	Google: {
		AuthURL:     "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:    "https://oauth2.googleapis.com/token",
		DeviceURL:   "https://oauth2.googleapis.com/device/code",
		RevokeURL:   "https://oauth2.googleapis.com/revoke",
		Scopes:      []string{"https://mail.google.com/", "openid", "email"},
		Issuer:      "https://accounts.google.com",
		JWKSURL:     "https://www.googleapis.com/oauth2/v3/certs",
		UserinfoURL: "https://openidconnect.googleapis.com/v1/userinfo",
	},
	Microsoft: {
		AuthURL:   "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
		TokenURL:  "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		DeviceURL: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
		// Microsoft has no RFC 7009 endpoint for these tokens.
		Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send",
			"offline_access", "openid", "profile", "email"},
		Issuer:  "https://login.microsoftonline.com/{tenantid}/v2.0",
		JWKSURL: "https://login.microsoftonline.com/common/discovery/v2.0/keys",
		// Its userinfo (Graph) takes no outlook.office.com token: the
		// id_token says who consented.
	},
}

// issuerMatch reports whether iss is the preset's id_token issuer, with
// tid (the token's tenant claim) in place of {tenantid}.
func (p Preset) issuerMatch(iss, tid string) bool {
	want := p.Issuer
	if strings.Contains(want, "{tenantid}") {
		if tid == "" || strings.ContainsAny(tid, "/?#") {
			return false
		}
		want = strings.ReplaceAll(want, "{tenantid}", tid)
	}
	return iss == want
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
	if o.ClientID == "" && o.Issuer == "" {
		return fmt.Errorf("%w: give one with --client-id (your own registration at %s, or a published one: see the README)", ErrNoClientID, o.Provider)
	}
	if o.TokenURL == "" && o.Issuer == "" {
		return fmt.Errorf("a custom OAuth2 provider needs --issuer (its endpoints are discovered) or --token-url")
	}
	for _, u := range []struct{ name, v string }{{"auth-url", o.AuthURL}, {"token-url", o.TokenURL}, {"device-url", o.DeviceURL}, {"revoke-url", o.RevokeURL}} {
		if u.v == "" {
			continue
		}
		pu, err := url.Parse(u.v)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return fmt.Errorf("--%s %q is not an http(s) URL", u.name, u.v)
		}
	}
	return nil
}

// Config is the golang.org/x/oauth2 client configuration of o. RedirectURL
// is set by the login flow.
func Config(o *vault.OAuth) *oauth2.Config {
	style := oauth2.AuthStyleAutoDetect
	if o.ClientSecret == "" {
		// A public client (RFC 6749 section 2.1) names itself in the
		// body; there is no secret to put in a header.
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID:     o.ClientID,
		ClientSecret: o.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL: o.AuthURL, TokenURL: o.TokenURL, DeviceAuthURL: o.DeviceURL, AuthStyle: style,
		},
		Scopes: o.Scopes,
	}
}

// SplitScopes splits a --scope value at spaces and commas.
func SplitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

// tenantName is what Microsoft takes in its endpoints' path: common,
// organizations, consumers, a tenant id or a tenant's domain.
var tenantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)

// SetTenant points a Microsoft account's endpoints at one tenant
// ("consumers" for personal accounts, "organizations" for work and school
// ones, or a tenant id or domain) instead of "common".
func SetTenant(o *vault.OAuth, tenant string) error {
	if o.Provider != Microsoft {
		return fmt.Errorf("--tenant is for --provider microsoft")
	}
	if !tenantName.MatchString(tenant) {
		return fmt.Errorf("--tenant %q is not a tenant name, id or domain", tenant)
	}
	p := Presets[Microsoft]
	at := func(u string) string { return strings.Replace(u, "/common/", "/"+tenant+"/", 1) }
	o.AuthURL, o.TokenURL, o.DeviceURL = at(p.AuthURL), at(p.TokenURL), at(p.DeviceURL)
	return nil
}
