package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// ClientName is what imapvault calls itself when it registers.
const ClientName = "imapvault"

// RedirectURI is the loopback redirect a registered client asks for. The
// port is chosen at each login; RFC 8252 section 7.3 has the server accept
// any port on a loopback redirect.
const RedirectURI = "http://127.0.0.1/callback"

// registrationLimit is the byte budget of a registration answer.
const registrationLimit = 64 << 10

// grantDeviceCode is RFC 8628's grant type.
const grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// Registration is an RFC 7591 client registration request: a public
// client (no secret: a program on a person's machine cannot keep one),
// using the code flow with PKCE, refresh, and the device flow.
type Registration struct {
	ClientName              string   `json:"client_name"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	ApplicationType         string   `json:"application_type,omitempty"` // OpenID Connect Registration: native
	Scope                   string   `json:"scope,omitempty"`
}

// RegistrationError is a refused registration: the server's error code and
// words (RFC 7591 section 3.2.2), or its HTTP status.
type RegistrationError struct {
	Status      int
	Code        string
	Description string
}

func (e *RegistrationError) Error() string {
	var b strings.Builder
	b.WriteString("the server refused to register imapvault as a client")
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	} else if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	return b.String()
}

// Hint says what to do instead.
func (e *RegistrationError) Hint() string {
	return "give a client id the provider issued with --client-id (see the README: OAuth2, 'Where a client id comes from')"
}

// Register registers imapvault as a public client at registrationURL and
// puts the client id into o (Registered, no secret).
func Register(ctx context.Context, o *vault.OAuth, registrationURL string) error {
	if err := checkSecureURL("registration endpoint", registrationURL); err != nil {
		return err
	}
	reg := Registration{
		ClientName:              ClientName,
		RedirectURIs:            []string{RedirectURI},
		GrantTypes:              []string{"authorization_code", "refresh_token", grantDeviceCode},
		ResponseTypes:           []string{"code"},
		TokenEndpointAuthMethod: "none",
		ApplicationType:         "native",
		Scope:                   strings.Join(o.Scopes, " "),
	}
	body, _ := json.Marshal(reg)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, registrationURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := clientFrom(ctx).Do(req)
	if err != nil {
		return fmt.Errorf("register at %s: %s", registrationURL, scrub(err.Error()))
	}
	defer resp.Body.Close()
	answer, err := readBounded(resp.Body, registrationLimit)
	if err != nil {
		return fmt.Errorf("register at %s: %w", registrationURL, err)
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		re := &RegistrationError{Status: resp.StatusCode}
		var e struct {
			Code        string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(answer, &e) == nil {
			re.Code, re.Description = scrub(e.Code), scrub(e.Description)
		}
		return re
	}
	var got struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		AuthMethod   string `json:"token_endpoint_auth_method"`
	}
	if err := json.Unmarshal(answer, &got); err != nil {
		return fmt.Errorf("register at %s: the answer is not JSON: %w", registrationURL, err)
	}
	if got.ClientID == "" {
		return fmt.Errorf("register at %s: the answer holds no client_id", registrationURL)
	}
	if got.AuthMethod != "" && got.AuthMethod != "none" {
		// A secret we did not ask for would have to be kept like a
		// password; a public client has none to lose.
		return &RegistrationError{Code: "unexpected_client_type",
			Description: fmt.Sprintf("the server registered a client that authenticates with %q, not a public client", scrub(got.AuthMethod))}
	}
	o.ClientID, o.ClientSecret, o.Registered = got.ClientID, "", true
	return nil
}

// ErrNoClientID is wrapped when an account has no client id and none can
// be had by registration.
var ErrNoClientID = errors.New("no OAuth2 client id")

// EnsureClient gives o a client id when it has none: o's issuer is asked
// for its metadata and, when it offers RFC 7591 registration, imapvault
// registers there. registered reports whether it did. A client id o
// already holds (given, or registered earlier) is kept and reused.
func EnsureClient(ctx context.Context, o *vault.OAuth) (registered bool, err error) {
	if o.ClientID != "" {
		return false, nil
	}
	if o.Issuer == "" {
		return false, fmt.Errorf("%w: this %s account names no issuer to register at", ErrNoClientID, o.Provider)
	}
	ctx = withClient(ctx)
	m, err := Discover(ctx, o.Issuer)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrNoClientID, err)
	}
	if m.RegistrationEndpoint == "" {
		return false, fmt.Errorf("%w: %s offers no dynamic client registration (its metadata names no registration_endpoint)", ErrNoClientID, o.Issuer)
	}
	if err := Register(ctx, o, m.RegistrationEndpoint); err != nil {
		return false, err
	}
	return true, nil
}
