// Package testoauth runs a real OAuth 2.0 authorization server in process
// for tests: zitadel/oidc's OpenID Provider (pkg/op) with its example
// in-memory storage and login pages. It serves the authorization code flow
// with PKCE, the device flow (RFC 8628), refresh with rotation, RFC 7662
// introspection (for Dovecot) and RFC 7009 revocation. A test "browser"
// logs the user in and consents.
package testoauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// TB is the part of testing.TB the helpers need.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// The users of the example storage, and the client imapvault uses.
const (
	Password     = "verysecure"
	Email        = "test-user@zitadel.ch" // what introspection reports with scope email
	User2        = "test-user2"           // the other user, for consents by the wrong person
	Email2       = "test-user2@zitadel.ch"
	ClientID     = "imapvault-test"
	ClientSecret = "client-secret-SENTINEL-9f3a"
)

// Scopes ask for a refresh token and the email Dovecot logs in as.
var Scopes = []string{"openid", "email", "offline_access"}

// Server is a running authorization server.
type Server struct {
	URL   string // the issuer, http://127.0.0.1:PORT
	User  string // login name at the login page
	http  *httptest.Server
	store *storage.Storage
	opt   Options
	cs    *clientStore
	log   requestLog

	serve sync.Mutex // serialises requests and direct storage calls
	mu    sync.Mutex
	down  bool
	quit  chan struct{}
}

// Start runs a server until the test ends.
func Start(tb TB) *Server { return StartWith(tb, Options{}) }

// StartWith runs a server with the given options until the test ends.
func StartWith(tb TB, opt Options) *Server {
	tb.Helper()
	// The example server logs every request through the default slog
	// logger: keep test output for the tests.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	s := &Server{quit: make(chan struct{}), opt: opt}
	var handler http.Handler
	s.http = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		down := s.down
		s.mu.Unlock()
		if down && r.URL.Path == "/oauth/token" {
			// A token endpoint that takes the request and never answers.
			select {
			case <-r.Context().Done():
			case <-s.quit:
			}
			return
		}
		// The example storage reads some of its maps without its lock:
		// one request at a time (and RefreshValid/RevokeRefresh in between).
		s.serve.Lock()
		defer s.serve.Unlock()
		s.log.add(r)
		if s.extension(w, r, handler) {
			return
		}
		handler.ServeHTTP(w, r)
	}))
	s.http.Start()
	s.URL = s.http.URL
	users := storage.NewUserStore(s.URL)
	s.User = "test-user@127.0.0.1"
	clients := map[string]*storage.Client{
		// Registered so the storage's own lookups (device codes, secrets)
		// find the id; GetClientByClientID answers with client below.
		ClientID: storage.DeviceClient(ClientID, ClientSecret),
	}
	st := storage.NewStorageWithClients(users, clients)
	s.store = st
	s.cs = &clientStore{Storage: st, users: users, clients: clients, srv: s}
	handler = exampleop.SetupServer(s.URL, s.cs, nil, false)
	tb.Cleanup(s.http.Close)
	tb.Cleanup(func() { close(s.quit) }) // runs first: lets hanging requests go
	return s
}

// Endpoints of the server.
func (s *Server) AuthURL() string       { return s.URL + "/auth" }
func (s *Server) TokenURL() string      { return s.URL + "/oauth/token" }
func (s *Server) DeviceURL() string     { return s.URL + "/device_authorization" }
func (s *Server) RevokeURL() string     { return s.URL + "/revoke" }
func (s *Server) IntrospectURL() string { return s.URL + "/oauth/introspect" }

// Hang makes the token endpoint accept requests and never answer (true),
// or answer again (false).
func (s *Server) Hang(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// RevokeRefresh revokes a refresh token at the server itself, as a user
// withdrawing consent would.
func (s *Server) RevokeRefresh(refreshToken string) error {
	s.serve.Lock()
	defer s.serve.Unlock()
	if err := s.store.RevokeToken(context.Background(), refreshToken, "", ClientID); err != nil {
		return err
	}
	return nil
}

// RefreshValid reports whether the server still honours a refresh token.
func (s *Server) RefreshValid(refreshToken string) bool {
	s.serve.Lock()
	defer s.serve.Unlock()
	_, _, err := s.store.GetRefreshTokenInfo(context.Background(), ClientID, refreshToken)
	return err == nil
}

// Browser is the person at a web browser: it follows the authorization
// URL to the login page, logs in (which is the consent here) and follows
// the redirect back to the loopback address the URL names.
func (s *Server) Browser(ctx context.Context, authURL string) error {
	return s.BrowserAs(ctx, authURL, s.User)
}

// BrowserAs is Browser signed in as the user with login name user.
func (s *Server) BrowserAs(ctx context.Context, authURL, user string) error {
	c := browserClient()
	page, err := c.Get(authURL)
	if err != nil {
		return fmt.Errorf("browser: open authorization URL: %w", err)
	}
	io.Copy(io.Discard, page.Body)
	page.Body.Close()
	id := page.Request.URL.Query().Get("authRequestID")
	if id == "" {
		return fmt.Errorf("browser: no login page, landed on %s (%s)", page.Request.URL.Path, page.Status)
	}
	resp, err := c.PostForm(s.URL+"/login/username", url.Values{"id": {id}, "username": {user}, "password": {Password}})
	if err != nil {
		return fmt.Errorf("browser: log in: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !isLoopback(resp.Request.URL) {
		return fmt.Errorf("browser: after login at %s: %s %s", resp.Request.URL.Redacted(), resp.Status, body)
	}
	return nil
}

// ApproveDevice is the person typing the device flow's code into the
// verification page, logging in and allowing (or denying) access.
func (s *Server) ApproveDevice(userCode string, allow bool) error {
	return s.ApproveDeviceAs(userCode, s.User, allow)
}

// ApproveDeviceAs is ApproveDevice by the user with login name user.
func (s *Server) ApproveDeviceAs(userCode, user string, allow bool) error {
	c := browserClient()
	resp, err := c.PostForm(s.URL+"/device/login", url.Values{"user_code": {userCode}, "username": {user}, "password": {Password}})
	if err != nil {
		return fmt.Errorf("device page: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	action := "allowed"
	if !allow {
		action = "denied"
	}
	resp, err = c.PostForm(s.URL+"/device/confirm", url.Values{"action": {action}})
	if err != nil {
		return fmt.Errorf("device confirm: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if !strings.Contains(string(body), "Device authorization "+action) {
		return fmt.Errorf("device confirm: %s %s", resp.Status, body)
	}
	return nil
}

func browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

func isLoopback(u *url.URL) bool {
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback() && u.Path == "/callback"
}

// clientStore answers for ClientID with a native (RFC 8252) client that
// has a secret and may use the code, refresh and device grants; the
// example storage's ready-made clients each lack one of these.
type clientStore struct {
	*storage.Storage
	users   storage.UserStore
	clients map[string]*storage.Client // the storage's own map (registration adds to it)
	srv     *Server

	registered map[string]publicClient
	polls      map[string]*pollState // by device code
}

// CompleteDeviceAuthorization records the user's id as the subject: the
// example's device page passes the login name, which its own user lookup
// (by id) then fails to find.
func (c *clientStore) CompleteDeviceAuthorization(ctx context.Context, userCode, subject string) error {
	if u := c.users.GetUserByUsername(subject); u != nil {
		subject = u.ID
	}
	return c.Storage.CompleteDeviceAuthorization(ctx, userCode, subject)
}

func (c *clientStore) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	if id == ClientID {
		return nativeClient{}, nil
	}
	if p, ok := c.registered[id]; ok {
		return p, nil
	}
	return c.Storage.GetClientByClientID(ctx, id)
}

// CreateAccessAndRefreshTokens hands a device grant to the storage as the
// equivalent code-flow request: the example storage knows the client of
// code and refresh requests only, and would issue the device flow's
// refresh token to no client (so that no refresh or revocation works).
func (c *clientStore) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	if d, ok := req.(*op.DeviceAuthorizationState); ok && current == "" {
		req = &storage.AuthRequest{ApplicationID: d.ClientID, UserID: d.Subject, Scopes: d.Scopes}
	}
	return c.Storage.CreateAccessAndRefreshTokens(ctx, req, current)
}

type nativeClient struct{}

func (nativeClient) GetID() string                    { return ClientID }
func (nativeClient) RedirectURIs() []string           { return []string{"http://127.0.0.1/callback"} }
func (nativeClient) PostLogoutRedirectURIs() []string { return nil }
func (nativeClient) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeNative
}
func (nativeClient) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodBasic }
func (nativeClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (nativeClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeDeviceCode}
}
func (nativeClient) LoginURL(id string) string           { return "/login/username?authRequestID=" + id }
func (nativeClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (nativeClient) IDTokenLifetime() time.Duration      { return time.Hour }
func (nativeClient) DevMode() bool                       { return false }
func (nativeClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (nativeClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (nativeClient) IsScopeAllowed(string) bool           { return false }
func (nativeClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (nativeClient) ClockSkew() time.Duration             { return 0 }

// Active asks the server's RFC 7662 introspection endpoint, as a resource
// server would, whether it honours an access token.
func (s *Server) Active(accessToken string) bool {
	req, err := http.NewRequest(http.MethodPost, s.IntrospectURL(), strings.NewReader(url.Values{"token": {accessToken}}.Encode()))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ClientID, ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var r struct {
		Active bool `json:"active"`
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&r) == nil && r.Active
}
