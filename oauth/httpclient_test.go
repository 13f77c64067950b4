package oauth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

func TestEndpointsHTTPSOnlyButLoopback(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://login.example.com/token", true},
		{"http://127.0.0.1:8080/token", true},
		{"http://127.9.9.9/token", true},
		{"http://localhost:9000/token", true},
		{"http://[::1]:9000/token", true},
		{"http://login.example.com/token", false},
		{"http://10.0.0.1/token", false},
		{"http://127.0.0.1.attacker.example/token", false},
		{"http://localhost.attacker.example/token", false},
		{"ftp://login.example.com/token", false},
		{"/token", false},
	} {
		o := &vault.OAuth{Provider: Custom, ClientID: "c", TokenURL: tc.url}
		err := Apply(o)
		if (err == nil) != tc.ok {
			t.Errorf("token URL %s: %v, want ok=%v", tc.url, err, tc.ok)
		}
		if !tc.ok && strings.HasPrefix(tc.url, "http://") && !errors.Is(err, ErrInsecureURL) {
			t.Errorf("token URL %s: %v, want ErrInsecureURL", tc.url, err)
		}
	}
	// The other endpoints follow the same rule.
	for _, o := range []*vault.OAuth{
		{Provider: Custom, ClientID: "c", TokenURL: "https://a/t", AuthURL: "http://a.example/auth"},
		{Provider: Custom, ClientID: "c", TokenURL: "https://a/t", DeviceURL: "http://a.example/dev"},
		{Provider: Custom, ClientID: "c", TokenURL: "https://a/t", RevokeURL: "http://a.example/rev"},
	} {
		if err := Apply(o); !errors.Is(err, ErrInsecureURL) {
			t.Errorf("%+v: %v, want ErrInsecureURL", o, err)
		}
	}
}

// An account saved before the rule, with an http token URL, sends nothing.
func TestStoredInsecureEndpointRefused(t *testing.T) {
	o := &vault.OAuth{Provider: Custom, ClientID: "c", TokenURL: "http://login.example.invalid/token",
		RevokeURL: "http://login.example.invalid/revoke", RefreshToken: "Refresh-Sentinel-7Hq"}
	if _, err := Fresh(context.Background(), o, nil); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("Fresh: %v, want ErrInsecureURL", err)
	}
	if _, err := Revoke(context.Background(), o, o.RefreshToken); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("Revoke: %v, want ErrInsecureURL", err)
	}
	if _, err := Login(context.Background(), o, LoginOptions{Device: true}); !errors.Is(err, ErrInsecureURL) {
		t.Errorf("Login: %v, want ErrInsecureURL", err)
	}
}

// A token or revocation endpoint answering 307 (or 308, which keep the
// body) would have the refresh token posted again wherever it points:
// never followed.
func TestEndpointRedirectNotFollowed(t *testing.T) {
	const secret = "Refresh-Sentinel-9Zk"
	var mu sync.Mutex
	var caught []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		caught = append(caught, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"stolen","token_type":"Bearer","expires_in":3600}`)
	}))
	defer elsewhere.Close()
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/token", code)
		}))
		o := &vault.OAuth{Provider: Custom, ClientID: "c", ClientSecret: "Client-Secret-4Wp", TokenURL: endpoint.URL + "/token",
			RevokeURL: endpoint.URL + "/revoke", RefreshToken: secret}
		_, err := Fresh(context.Background(), o, nil)
		if !errors.Is(err, ErrRedirect) {
			t.Errorf("%d: Fresh: %v, want ErrRedirect", code, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%d: the error quotes the refresh token: %v", code, err)
		}
		if _, err := Revoke(context.Background(), o, secret); !errors.Is(err, ErrRedirect) {
			t.Errorf("%d: Revoke: %v, want ErrRedirect", code, err)
		}
		endpoint.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(caught) != 0 {
		t.Fatalf("the redirect was followed: %d requests reached the other server (%q)", len(caught), caught)
	}
}
