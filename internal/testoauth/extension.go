package testoauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Options add to the zitadel provider what imapvault's 2026 login needs
// and zitadel's example server lacks: RFC 8414 metadata, RFC 7591
// registration, and a device flow whose pace and lifetime a test sets.
type Options struct {
	// Registration serves RFC 7591 registration at /register and names
	// it (registration_endpoint) in both metadata documents.
	Registration bool
	// RefuseRegistration makes /register refuse every request with
	// invalid_client_metadata and these words.
	RefuseRegistration string
	// NoRFC8414 leaves /.well-known/oauth-authorization-server a 404, so
	// only OpenID Connect Discovery answers.
	NoRFC8414 bool
	// WrongIssuer has both documents name another issuer.
	WrongIssuer bool
	// DeviceInterval is the device flow's poll interval (whole seconds;
	// default the provider's 5 s) and DeviceLifetime its code's life
	// (default 5 minutes).
	DeviceInterval, DeviceLifetime time.Duration
	// SlowDown answers the first SlowDown polls of each device code with
	// slow_down (RFC 8628 section 3.5).
	SlowDown int
	// ClaimsInIDToken puts the email and name claims into registered
	// clients' id_tokens; without it only userinfo has them.
	ClaimsInIDToken bool
}

// RegistrationURL is the RFC 7591 endpoint (with Options.Registration).
func (s *Server) RegistrationURL() string { return s.URL + "/register" }

// KeysURL is where the provider publishes its signing keys.
func (s *Server) KeysURL() string { return s.URL + "/keys" }

// requestLog is what the server was asked, for tests to assert on.
type requestLog struct {
	mu    sync.Mutex
	paths []string
	regs  []map[string]any
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	l.paths = append(l.paths, r.Method+" "+r.URL.Path)
	l.mu.Unlock()
}

// Requests are the "METHOD /path" of every request so far.
func (s *Server) Requests() []string {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return slices.Clone(s.log.paths)
}

// Registrations are the bodies of the registration requests so far.
func (s *Server) Registrations() []map[string]any {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return slices.Clone(s.log.regs)
}

// DevicePolls reports, over all device codes, how many polls came, how
// many got slow_down, and how many came sooner than the interval then in
// force allowed (RFC 8628: a client must wait the interval, 5 s more after
// each slow_down).
func (s *Server) DevicePolls() (polls, slowDowns, tooFast int) {
	s.serve.Lock()
	defer s.serve.Unlock()
	for _, p := range s.cs.polls {
		polls += p.polls
		slowDowns += p.slowDowns
		tooFast += p.tooFast
	}
	return
}

// extension serves what Options add; false passes r to the provider.
// It runs under s.serve, like every request.
func (s *Server) extension(w http.ResponseWriter, r *http.Request, provider http.Handler) bool {
	switch {
	case r.URL.Path == "/.well-known/oauth-authorization-server" && s.opt.NoRFC8414:
		http.NotFound(w, r)
	case r.URL.Path == "/.well-known/oauth-authorization-server", r.URL.Path == "/.well-known/openid-configuration":
		s.metadata(w, r, provider)
	case r.URL.Path == "/register":
		s.register(w, r)
	case r.URL.Path == "/device_authorization" && (s.opt.DeviceInterval > 0 || s.opt.DeviceLifetime > 0):
		s.deviceAuthorization(w, r, provider)
	default:
		return false
	}
	return true
}

// metadata is the provider's own discovery document, with the
// registration endpoint added (zitadel's op has none).
func (s *Server) metadata(w http.ResponseWriter, r *http.Request, provider http.Handler) {
	rec := httptest.NewRecorder()
	provider.ServeHTTP(rec, httptest.NewRequestWithContext(r.Context(), http.MethodGet, "/.well-known/openid-configuration", nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		http.Error(w, "no discovery document: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if s.opt.Registration {
		doc["registration_endpoint"] = s.RegistrationURL()
	}
	if s.opt.WrongIssuer {
		doc["issuer"] = "https://issuer.invalid"
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(doc)
}

// register is RFC 7591 for public native clients: it checks the request's
// shape (no secret, the code, refresh and device grants, loopback
// redirects) and refuses anything else with the RFC's error codes.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	refuse := func(code, desc string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
	}
	if !s.opt.Registration || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var raw map[string]any
	var req struct {
		ClientName   string   `json:"client_name"`
		RedirectURIs []string `json:"redirect_uris"`
		GrantTypes   []string `json:"grant_types"`
		AuthMethod   string   `json:"token_endpoint_auth_method"`
	}
	if json.Unmarshal(body, &raw) != nil || json.Unmarshal(body, &req) != nil {
		refuse("invalid_client_metadata", "the request is not a JSON object")
		return
	}
	s.log.mu.Lock()
	s.log.regs = append(s.log.regs, raw)
	s.log.mu.Unlock()
	if s.opt.RefuseRegistration != "" {
		refuse("invalid_client_metadata", s.opt.RefuseRegistration)
		return
	}
	switch {
	case r.Header.Get("Content-Type") != "application/json":
		refuse("invalid_client_metadata", "Content-Type must be application/json")
	case req.AuthMethod != "none":
		refuse("invalid_client_metadata", "only public clients (token_endpoint_auth_method none) may register")
	case req.ClientName == "":
		refuse("invalid_client_metadata", "client_name is missing")
	case !containsAll(req.GrantTypes, "authorization_code", "refresh_token", string(oidc.GrantTypeDeviceCode)):
		refuse("invalid_client_metadata", fmt.Sprintf("grant_types %v lack the code, refresh or device grant", req.GrantTypes))
	case len(req.RedirectURIs) == 0 || !allLoopback(req.RedirectURIs):
		refuse("invalid_redirect_uri", "redirect_uris must be http loopback addresses")
	default:
		id := fmt.Sprintf("dyn-%d", len(s.cs.registered)+1)
		s.cs.register(id, req.RedirectURIs, s.opt.ClaimsInIDToken)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"client_id": id, "client_id_issued_at": time.Now().Unix(),
			"client_name": req.ClientName, "redirect_uris": req.RedirectURIs, "grant_types": req.GrantTypes,
			"token_endpoint_auth_method": "none"})
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func allLoopback(uris []string) bool {
	for _, u := range uris {
		p, err := url.Parse(u)
		if err != nil || p.Scheme != "http" {
			return false
		}
		if ip := net.ParseIP(p.Hostname()); (ip == nil || !ip.IsLoopback()) && p.Hostname() != "localhost" {
			return false
		}
	}
	return true
}

// deviceAuthorization passes the request to the provider and states the
// interval and lifetime the test chose (zitadel's example fixes them).
func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request, provider http.Handler) {
	rec := httptest.NewRecorder()
	provider.ServeHTTP(rec, r)
	var doc map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	if s.opt.DeviceInterval > 0 {
		doc["interval"] = int(s.opt.DeviceInterval / time.Second)
	}
	if s.opt.DeviceLifetime > 0 {
		doc["expires_in"] = int(s.opt.DeviceLifetime / time.Second)
	}
	var b bytes.Buffer
	json.NewEncoder(&b).Encode(doc)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
}

// pollState is one device code's polls.
type pollState struct {
	polls, slowDowns, tooFast int
	last                      time.Time
	interval                  time.Duration
}

// interval is the device flow's poll interval in force at the start.
func (s *Server) interval() time.Duration {
	if s.opt.DeviceInterval > 0 {
		return s.opt.DeviceInterval
	}
	return 5 * time.Second
}

// StoreDeviceAuthorization gives the code the lifetime the test chose.
func (c *clientStore) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	if c.srv.opt.DeviceLifetime > 0 {
		expires = time.Now().Add(c.srv.opt.DeviceLifetime)
	}
	if c.polls == nil {
		c.polls = map[string]*pollState{}
	}
	c.polls[deviceCode] = &pollState{last: time.Now(), interval: c.srv.interval()}
	return c.Storage.StoreDeviceAuthorization(ctx, clientID, deviceCode, userCode, expires, scopes)
}

// GetDeviceAuthorizatonState is one poll of the token endpoint: it counts
// polls that came too soon, and answers slow_down (the provider does so
// for context.DeadlineExceeded) to the first Options.SlowDown polls.
func (c *clientStore) GetDeviceAuthorizatonState(ctx context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	if p := c.polls[deviceCode]; p != nil {
		now := time.Now()
		p.polls++
		// A little slack for the request's own way here; a client that
		// ignores the interval comes back at once.
		if now.Sub(p.last) < p.interval-300*time.Millisecond {
			p.tooFast++
		}
		p.last = now
		if p.slowDowns < c.srv.opt.SlowDown {
			p.slowDowns++
			p.interval += 5 * time.Second
			return nil, context.DeadlineExceeded
		}
	}
	return c.Storage.GetDeviceAuthorizatonState(ctx, clientID, deviceCode)
}

// register adds a public client: to the storage's map (its device-code
// and token lookups check the id there) and as the op.Client answered.
func (c *clientStore) register(id string, redirects []string, claims bool) {
	if c.registered == nil {
		c.registered = map[string]publicClient{}
	}
	c.clients[id] = storage.NativeClient(id, redirects...)
	c.registered[id] = publicClient{id: id, redirects: redirects, claims: claims}
}

// SetIntrospectionFromToken lets the resource server's credentials
// (ClientID, which Dovecot uses) introspect the tokens of registered
// clients too: the example storage answers only for the token's own
// client.
func (c *clientStore) SetIntrospectionFromToken(ctx context.Context, in *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	err := c.Storage.SetIntrospectionFromToken(ctx, in, tokenID, subject, clientID)
	if err == nil || clientID != ClientID {
		return err
	}
	for id := range c.registered {
		if c.Storage.SetIntrospectionFromToken(ctx, in, tokenID, subject, id) == nil {
			return nil
		}
	}
	return err
}

// publicClient is a registered native client without a secret.
type publicClient struct {
	id        string
	redirects []string
	claims    bool
}

func (p publicClient) GetID() string                     { return p.id }
func (p publicClient) RedirectURIs() []string            { return p.redirects }
func (publicClient) PostLogoutRedirectURIs() []string    { return nil }
func (publicClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (publicClient) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (publicClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (publicClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
}
func (publicClient) LoginURL(id string) string           { return "/login/username?authRequestID=" + id }
func (publicClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (publicClient) IDTokenLifetime() time.Duration      { return time.Hour }
func (publicClient) DevMode() bool                       { return false }
func (publicClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (publicClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (publicClient) IsScopeAllowed(string) bool             { return false }
func (p publicClient) IDTokenUserinfoClaimsAssertion() bool { return p.claims }
func (publicClient) ClockSkew() time.Duration               { return 0 }

// Registered reports whether the server holds a registered client id.
func (s *Server) Registered(id string) bool {
	s.serve.Lock()
	defer s.serve.Unlock()
	_, ok := s.cs.registered[id]
	return ok && strings.HasPrefix(id, "dyn-")
}
