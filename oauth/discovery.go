package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Metadata is what an authorization server says of itself (RFC 8414, and
// OpenID Connect Discovery, which shares these names).
type Metadata struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	DeviceEndpoint        string   `json:"device_authorization_endpoint"`
	RevocationEndpoint    string   `json:"revocation_endpoint"`
	RegistrationEndpoint  string   `json:"registration_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	ScopesSupported       []string `json:"scopes_supported"`
	GrantTypesSupported   []string `json:"grant_types_supported"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`

	// URL is where the document was found.
	URL string `json:"-"`
}

// metadataLimit is the byte budget of a metadata document (large ones,
// Keycloak's, are under 10 KiB).
const metadataLimit = 256 << 10

// ErrNoMetadata is wrapped when no well-known document describes the issuer.
var ErrNoMetadata = errors.New("no authorization server metadata")

// IssuerURL turns what a person or an autoconfig file names as the issuer
// into an issuer identifier: a bare host name gets https://, and one
// trailing slash goes (RFC 8414 section 3.1 removes it before the
// well-known part is inserted). It must be https, or http on a loopback
// host, with no query or fragment.
func IssuerURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("the issuer is empty")
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	s = strings.TrimSuffix(s, "/")
	if err := checkSecureURL("issuer", s); err != nil {
		return "", err
	}
	if u, _ := url.Parse(s); u.RawQuery != "" || u.ForceQuery {
		return "", fmt.Errorf("issuer %q has a query; an issuer identifier has none", s)
	}
	return s, nil
}

// MetadataURLs are the documents tried for issuer, in order: RFC 8414's,
// with the well-known part inserted between host and path, then OpenID
// Connect Discovery's, appended to the issuer.
func MetadataURLs(issuer string) []string {
	u, err := url.Parse(issuer)
	if err != nil {
		return nil
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	root := u.Scheme + "://" + u.Host
	return []string{
		root + "/.well-known/oauth-authorization-server" + path,
		root + path + "/.well-known/openid-configuration",
	}
}

// Discover reads the issuer's metadata: RFC 8414 first, then OpenID
// Connect Discovery. The document's issuer must be the one asked for (RFC
// 8414 section 3.3: otherwise a document could speak for another server),
// and every endpoint in it must be https (http on loopback only).
func Discover(ctx context.Context, issuer string) (*Metadata, error) {
	iss, err := IssuerURL(issuer)
	if err != nil {
		return nil, err
	}
	var tried []string
	for _, u := range MetadataURLs(iss) {
		m, err := fetchMetadata(ctx, u)
		if errors.Is(err, errNotThere) {
			tried = append(tried, u)
			continue
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimSuffix(m.Issuer, "/") != iss {
			return nil, fmt.Errorf("metadata at %s names issuer %q, not %q: refusing it (a document must describe its own issuer)", u, scrub(m.Issuer), iss)
		}
		if err := m.check(); err != nil {
			return nil, fmt.Errorf("metadata at %s: %w", u, err)
		}
		m.URL = u
		return m, nil
	}
	return nil, fmt.Errorf("%w for %s (tried %s)", ErrNoMetadata, iss, strings.Join(tried, ", "))
}

// errNotThere: the server has no document at that URL (try the next).
var errNotThere = errors.New("not there")

func fetchMetadata(ctx context.Context, u string) (*Metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := clientFrom(ctx).Do(req)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err) // names the URL; no secret travels here
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, errNotThere
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("metadata %s: the server answered %s", u, resp.Status)
	}
	body, err := readBounded(resp.Body, metadataLimit)
	if err != nil {
		return nil, fmt.Errorf("metadata %s: %w", u, err)
	}
	var m Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("metadata %s is not a JSON document: %w", u, err)
	}
	return &m, nil
}

func (m *Metadata) check() error {
	if m.TokenEndpoint == "" {
		return errors.New("it names no token_endpoint")
	}
	for _, e := range []struct{ name, v string }{
		{"authorization_endpoint", m.AuthorizationEndpoint}, {"token_endpoint", m.TokenEndpoint},
		{"device_authorization_endpoint", m.DeviceEndpoint}, {"revocation_endpoint", m.RevocationEndpoint},
		{"registration_endpoint", m.RegistrationEndpoint}, {"userinfo_endpoint", m.UserinfoEndpoint},
		{"jwks_uri", m.JWKSURI},
	} {
		if e.v == "" {
			continue
		}
		if err := checkSecureURL(e.name, e.v); err != nil {
			return err
		}
	}
	return nil
}

// Fill puts the discovered endpoints into o where o names none (what the
// person gave on the command line wins), and records the issuer.
func (m *Metadata) Fill(o *vault.OAuth) {
	fill := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	o.Issuer = strings.TrimSuffix(m.Issuer, "/")
	fill(&o.AuthURL, m.AuthorizationEndpoint)
	fill(&o.TokenURL, m.TokenEndpoint)
	fill(&o.DeviceURL, m.DeviceEndpoint)
	fill(&o.RevokeURL, m.RevocationEndpoint)
	fill(&o.UserinfoURL, m.UserinfoEndpoint)
	if len(o.Scopes) == 0 {
		o.Scopes = m.defaultScopes()
	}
}

// defaultScopes asks for a refresh token and, where the server speaks
// OpenID Connect, for who the user is (the identity check needs it).
// A server's mail scope has no standard name: --scope adds it.
func (m *Metadata) defaultScopes() []string {
	var s []string
	for _, want := range []string{"openid", "email", "profile", "offline_access"} {
		for _, have := range m.ScopesSupported {
			if have == want {
				s = append(s, want)
			}
		}
	}
	return s
}

// Resolve completes o from its issuer's metadata when it names an issuer
// and lacks endpoints, then checks it (Apply). It asks the network only
// when something is missing.
func Resolve(ctx context.Context, o *vault.OAuth) error {
	if o.Issuer != "" && (o.TokenURL == "" || (o.AuthURL == "" && o.DeviceURL == "")) {
		m, err := Discover(withClient(ctx), o.Issuer)
		if err != nil {
			return err
		}
		m.Fill(o)
	}
	return Apply(o)
}
