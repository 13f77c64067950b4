package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

func TestMetadataURLs(t *testing.T) {
	tests := []struct{ issuer, rfc8414, openid string }{
		{"https://as.example", "https://as.example/.well-known/oauth-authorization-server", "https://as.example/.well-known/openid-configuration"},
		{"https://as.example/tenant/a", "https://as.example/.well-known/oauth-authorization-server/tenant/a", "https://as.example/tenant/a/.well-known/openid-configuration"},
	}
	for _, tt := range tests {
		got := oauth.MetadataURLs(tt.issuer)
		if len(got) != 2 || got[0] != tt.rfc8414 || got[1] != tt.openid {
			t.Errorf("MetadataURLs(%s) = %v", tt.issuer, got)
		}
	}
}

func TestIssuerURL(t *testing.T) {
	for in, want := range map[string]string{
		"accounts.google.com":     "https://accounts.google.com",
		"https://as.example/":     "https://as.example",
		"https://as.example/t/x":  "https://as.example/t/x",
		"http://127.0.0.1:8080":   "http://127.0.0.1:8080",
		"http://as.example":       "",
		"https://as.example/?a=b": "",
		"ftp://as.example":        "",
		"":                        "",
	} {
		got, err := oauth.IssuerURL(in)
		if (err == nil) != (want != "") || got != want {
			t.Errorf("IssuerURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestDiscover against the zitadel provider: RFC 8414 first, OpenID
// Discovery when the server has only that, and a document naming another
// issuer refused.
func TestDiscover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Run("rfc8414", func(t *testing.T) {
		s := testoauth.StartWith(t, testoauth.Options{Registration: true})
		m, err := oauth.Discover(ctx, s.URL+"/")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(m.URL, "/.well-known/oauth-authorization-server") || m.TokenEndpoint != s.TokenURL() ||
			m.RegistrationEndpoint != s.RegistrationURL() || m.JWKSURI != s.KeysURL() {
			t.Fatalf("metadata %+v", m)
		}
		o := &vault.OAuth{Provider: oauth.Custom, AuthURL: "https://mine.example/auth"}
		m.Fill(o)
		if o.AuthURL != "https://mine.example/auth" || o.TokenURL != s.TokenURL() || o.Issuer != s.URL || len(o.Scopes) == 0 {
			t.Errorf("Fill: %+v (what the person gave must win)", o)
		}
	})
	t.Run("openid only", func(t *testing.T) {
		s := testoauth.StartWith(t, testoauth.Options{NoRFC8414: true})
		m, err := oauth.Discover(ctx, s.URL)
		if err != nil || !strings.HasSuffix(m.URL, "/.well-known/openid-configuration") {
			t.Fatalf("Discover = %+v, %v", m, err)
		}
	})
	t.Run("wrong issuer", func(t *testing.T) {
		s := testoauth.StartWith(t, testoauth.Options{WrongIssuer: true})
		_, err := oauth.Discover(ctx, s.URL)
		if err == nil || !strings.Contains(err.Error(), "issuer.invalid") {
			t.Fatalf("err %v, want the other issuer refused", err)
		}
	})
}

// metadataServer serves one hand-written document at path (for the
// shapes no real server here takes: an issuer with a path, insecure
// endpoints, redirects, a flood).
func metadataServer(t *testing.T, path string, doc func(issuer string) string) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, doc(srv.URL))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDiscoverShapes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t.Run("issuer with a path: the well-known part goes in between", func(t *testing.T) {
		srv := metadataServer(t, "/.well-known/oauth-authorization-server/realms/mail", func(u string) string {
			return `{"issuer":"` + u + `/realms/mail","token_endpoint":"` + u + `/token"}`
		})
		if m, err := oauth.Discover(ctx, srv.URL+"/realms/mail"); err != nil || m.TokenEndpoint != srv.URL+"/token" {
			t.Fatalf("Discover = %+v, %v", m, err)
		}
	})
	t.Run("an endpoint over plain http elsewhere is refused", func(t *testing.T) {
		srv := metadataServer(t, "/.well-known/oauth-authorization-server", func(u string) string {
			return `{"issuer":"` + u + `","token_endpoint":"http://as.example/token"}`
		})
		if _, err := oauth.Discover(ctx, srv.URL); !errors.Is(err, oauth.ErrInsecureURL) {
			t.Fatalf("err %v, want ErrInsecureURL", err)
		}
	})
	t.Run("a redirect is not followed", func(t *testing.T) {
		target := metadataServer(t, "/.well-known/oauth-authorization-server", func(u string) string {
			return `{"issuer":"` + u + `","token_endpoint":"` + u + `/token"}`
		})
		srv := httptest.NewServer(http.RedirectHandler(target.URL+"/.well-known/oauth-authorization-server", http.StatusFound))
		defer srv.Close()
		if _, err := oauth.Discover(ctx, srv.URL); !errors.Is(err, oauth.ErrRedirect) {
			t.Fatalf("err %v, want ErrRedirect", err)
		}
	})
	t.Run("a document over its budget", func(t *testing.T) {
		srv := metadataServer(t, "/.well-known/oauth-authorization-server", func(u string) string {
			return `{"issuer":"` + u + `","token_endpoint":"` + u + `/token","x":"` + strings.Repeat("a", 300<<10) + `"}`
		})
		if _, err := oauth.Discover(ctx, srv.URL); err == nil || !strings.Contains(err.Error(), "too large") {
			t.Fatalf("err %v, want too large", err)
		}
	})
	t.Run("nothing there", func(t *testing.T) {
		srv := metadataServer(t, "/elsewhere", func(string) string { return "" })
		if _, err := oauth.Discover(ctx, srv.URL); !errors.Is(err, oauth.ErrNoMetadata) {
			t.Fatalf("err %v, want ErrNoMetadata", err)
		}
	})
}

// TestRegistrationRefused: the server's words come back, sanitised of
// nothing here but kept, with the --client-id hint; nothing is set.
func TestRegistrationRefused(t *testing.T) {
	s := testoauth.StartWith(t, testoauth.Options{Registration: true, RefuseRegistration: "public clients are not allowed here"})
	o := &vault.OAuth{Provider: oauth.Custom, Issuer: s.URL}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := oauth.Authorise(ctx, o, []string{testoauth.Email}, oauth.LoginOptions{Device: true})
	var re *oauth.RegistrationError
	if !errors.As(err, &re) || re.Code != "invalid_client_metadata" || !strings.Contains(err.Error(), "public clients are not allowed here") {
		t.Fatalf("err %v, want the server's refusal", err)
	}
	if h := oauth.Hint(err, "mail"); !strings.Contains(h, "--client-id") {
		t.Errorf("hint %q does not point at --client-id", h)
	}
	if o.ClientID != "" || o.Registered {
		t.Fatalf("a refused registration left client %q", o.ClientID)
	}
	// No registration endpoint at all says so, and the same hint.
	s2 := testoauth.Start(t)
	_, err = oauth.Authorise(ctx, &vault.OAuth{Provider: oauth.Custom, Issuer: s2.URL}, nil, oauth.LoginOptions{Device: true})
	if !errors.Is(err, oauth.ErrNoClientID) || !strings.Contains(err.Error(), "registration") {
		t.Fatalf("err %v, want ErrNoClientID naming registration", err)
	}
}
