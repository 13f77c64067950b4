package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Autoconfig is an <oAuth2> block of an autoconfig file (Thunderbird's
// config-v1.1.xml, as the ISPDB and providers' own autoconfig serve it).
type Autoconfig struct {
	// Issuer is a host name in the ISPDB ("accounts.google.com",
	// "login.microsoftonline.com") or an issuer URL.
	Issuer   string
	AuthURL  string
	TokenURL string
	Scope    string // space-separated
	// ClientID is a client id the provider publishes for any mail client
	// (the mailmaint drafts); the ISPDB has none.
	ClientID string
}

// issuerHosts are the ISPDB issuers imapvault has presets for.
var issuerHosts = map[string]string{
	"accounts.google.com":       Google,
	"login.microsoftonline.com": Microsoft,
}

// FromAutoconfig turns a discovered <oAuth2> block into an account's
// OAuth2 settings. A known issuer gets its preset (scopes for IMAP and
// SMTP, and for reading who consented); any other keeps the file's
// endpoints and scope, and its issuer when the issuer is a URL or the
// authorization endpoint's host, so that the login can read the issuer's
// metadata and register a client there. Every URL must be https (http on
// loopback only). The settings may lack a client id: NeedsClientID says
// whether the person must bring one.
func FromAutoconfig(ac Autoconfig) (*vault.OAuth, error) {
	o := &vault.OAuth{Provider: Custom, ClientID: strings.TrimSpace(ac.ClientID),
		AuthURL: strings.TrimSpace(ac.AuthURL), TokenURL: strings.TrimSpace(ac.TokenURL)}
	for _, u := range []struct{ name, v string }{{"authURL", o.AuthURL}, {"tokenURL", o.TokenURL}} {
		if u.v != "" {
			if err := checkSecureURL("autoconfig "+u.name, u.v); err != nil {
				return nil, err
			}
		}
	}
	iss := strings.TrimSpace(ac.Issuer)
	if p, ok := issuerHosts[strings.ToLower(iss)]; ok {
		o.Provider = p
		// The preset's endpoints: the file's are the same ones, or older.
		o.AuthURL, o.TokenURL = "", ""
	} else {
		o.Scopes = SplitScopes(ac.Scope)
		if i, ok := autoconfigIssuer(iss, o.AuthURL); ok {
			o.Issuer = i
		}
	}
	if err := Apply(o); err != nil && !errors.Is(err, ErrNoClientID) {
		return nil, fmt.Errorf("autoconfig <oAuth2>: %w", err)
	}
	if o.TokenURL == "" && o.Issuer == "" {
		return nil, errors.New("autoconfig <oAuth2> names no tokenURL and no issuer URL")
	}
	return o, nil
}

// autoconfigIssuer is the issuer URL an <issuer> stands for: a URL as it
// is, or a host name that is the authorization endpoint's own host (an
// ISPDB issuer is a name, not always a host).
func autoconfigIssuer(iss, authURL string) (string, bool) {
	if iss == "" {
		return "", false
	}
	if strings.Contains(iss, "://") {
		u, err := IssuerURL(iss)
		return u, err == nil
	}
	if a, err := url.Parse(authURL); err == nil && strings.EqualFold(a.Hostname(), iss) {
		u, err := IssuerURL(iss)
		return u, err == nil
	}
	return "", false
}

// NeedsClientID reports whether o can log in only with a client id the
// person brings: it has none, and no issuer to register one at.
func NeedsClientID(o *vault.OAuth) bool { return o.ClientID == "" && o.Issuer == "" }
