package oauth_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

func account(s *testoauth.Server) *vault.OAuth {
	return &vault.OAuth{
		Provider: oauth.Custom, AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), DeviceURL: s.DeviceURL(),
		RevokeURL: s.RevokeURL(), ClientID: testoauth.ClientID, ClientSecret: testoauth.ClientSecret,
		Scopes: testoauth.Scopes,
	}
}

// login runs the chosen flow against s with the test browser playing the
// person, and returns the account with its first tokens.
func login(t *testing.T, s *testoauth.Server, device bool) *vault.OAuth {
	t.Helper()
	o := account(s)
	tok, err := runLogin(t, s, o, device)
	if err != nil {
		t.Fatal(err)
	}
	oauth.Absorb(o, tok, time.Now())
	return o
}

// loginForBench is the loopback login without a *testing.T.
func loginForBench(s *testoauth.Server, o *vault.OAuth) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	tok, err := oauth.Login(ctx, o, oauth.LoginOptions{Show: func(f oauth.Flow) {
		go func() { errc <- s.Browser(ctx, f.URL) }()
	}})
	if berr := <-errc; berr != nil {
		return nil, berr
	}
	return tok, err
}

func runLogin(t *testing.T, s *testoauth.Server, o *vault.OAuth, device bool) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var browserErr error
	defer wg.Wait()
	tok, err := oauth.Login(ctx, o, oauth.LoginOptions{Device: device, Show: func(f oauth.Flow) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f.Device {
				browserErr = s.ApproveDevice(f.UserCode, true)
			} else {
				browserErr = s.Browser(ctx, f.URL)
			}
			if browserErr != nil {
				cancel()
			}
		}()
	}})
	wg.Wait()
	if browserErr != nil {
		return nil, browserErr
	}
	return tok, err
}

func TestLoginFlows(t *testing.T) {
	s := testoauth.Start(t)
	for _, device := range []bool{false, true} {
		name := map[bool]string{false: "pkce loopback", true: "device"}[device]
		t.Run(name, func(t *testing.T) {
			o := login(t, s, device)
			if o.AccessToken == "" || o.RefreshToken == "" {
				t.Fatalf("login gave access %v, refresh %v; want both", o.AccessToken != "", o.RefreshToken != "")
			}
			if !s.RefreshValid(o.RefreshToken) {
				t.Fatal("the server does not know the refresh token the login returned")
			}
			if time.Until(o.Expiry) <= 0 {
				t.Errorf("expiry %v is not in the future", o.Expiry)
			}
			o.Expiry = time.Time{}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := oauth.Fresh(ctx, o, nil); err != nil {
				t.Fatalf("refresh of the flow's token: %v", err)
			}
		})
	}
}

func TestDeviceLoginDenied(t *testing.T) {
	s := testoauth.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	_, err := oauth.Login(ctx, account(s), oauth.LoginOptions{Device: true, Show: func(f oauth.Flow) {
		go func() { done <- s.ApproveDevice(f.UserCode, false) }()
	}})
	if berr := <-done; berr != nil {
		t.Fatal(berr)
	}
	if !errors.Is(err, oauth.ErrLoginDenied) {
		t.Fatalf("err %v, want ErrLoginDenied", err)
	}
}

func TestLoginPKCERequired(t *testing.T) {
	// The authorization URL must carry an S256 challenge and our state.
	s := testoauth.Start(t)
	o := account(s)
	ctx, cancel := context.WithCancel(context.Background())
	var u string
	_, err := oauth.Login(ctx, o, oauth.LoginOptions{Show: func(f oauth.Flow) { u = f.URL; cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want cancelled", err)
	}
	for _, want := range []string{"code_challenge_method=S256", "code_challenge=", "state=", "redirect_uri=http%3A%2F%2F127.0.0.1%3A"} {
		if !strings.Contains(u, want) {
			t.Errorf("authorization URL %s lacks %s", u, want)
		}
	}
}

func TestFresh(t *testing.T) {
	s := testoauth.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("valid token used as is", func(t *testing.T) {
		o := login(t, s, false)
		o.Expiry = time.Now().Add(time.Hour)
		before := *o
		saves := 0
		tok, err := oauth.Fresh(ctx, o, func(*vault.OAuth) error { saves++; return nil })
		if err != nil || tok != before.AccessToken || saves != 0 || o.RefreshToken != before.RefreshToken {
			t.Fatalf("Fresh = %v, saves %d; want the stored token and no refresh", err, saves)
		}
	})

	t.Run("expired token refreshed, rotated refresh token saved first", func(t *testing.T) {
		o := login(t, s, false)
		o.Expiry = time.Now().Add(-time.Minute)
		old := *o
		var saved *vault.OAuth
		tok, err := oauth.Fresh(ctx, o, func(n *vault.OAuth) error {
			c := *n
			saved = &c
			if o.RefreshToken != old.RefreshToken {
				t.Error("the account changed before the save")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if saved == nil || tok == old.AccessToken || tok != saved.AccessToken {
			t.Fatal("no new access token saved")
		}
		if saved.RefreshToken == old.RefreshToken || o.RefreshToken != saved.RefreshToken {
			t.Fatal("the server rotated the refresh token but the new one was not saved")
		}
		if s.RefreshValid(old.RefreshToken) || !s.RefreshValid(saved.RefreshToken) {
			t.Fatal("the server should honour the new refresh token only")
		}
		if time.Since(o.Refreshed) > time.Minute {
			t.Errorf("Refreshed %v not updated", o.Refreshed)
		}
	})

	t.Run("failed save keeps the account and returns no token", func(t *testing.T) {
		o := login(t, s, false)
		o.Expiry = time.Time{}
		old := *o
		tok, err := oauth.Fresh(ctx, o, func(*vault.OAuth) error { return errors.New("disk full") })
		if err == nil || tok != "" || o.RefreshToken != old.RefreshToken {
			t.Fatalf("Fresh = %q, %v; want an error and the account untouched", tok, err)
		}
	})

	t.Run("revoked at the server", func(t *testing.T) {
		o := login(t, s, false)
		o.Expiry = time.Time{}
		if err := s.RevokeRefresh(o.RefreshToken); err != nil {
			t.Fatal(err)
		}
		_, err := oauth.Fresh(ctx, o, nil)
		var te *oauth.TokenError
		if !oauth.IsRevoked(err) || !errors.As(err, &te) || te.Code != "invalid_grant" {
			t.Fatalf("err %v, want invalid_grant (revoked)", err)
		}
		if strings.Contains(err.Error(), o.RefreshToken) || strings.Contains(err.Error(), testoauth.ClientSecret) {
			t.Fatalf("secret in error %q", err)
		}
	})

	t.Run("token endpoint hangs", func(t *testing.T) {
		o := login(t, s, false)
		o.Expiry = time.Time{}
		s.Hang(true)
		defer s.Hang(false)
		short, stop := context.WithTimeout(ctx, 2*time.Second)
		defer stop()
		_, err := oauth.Fresh(short, o, nil)
		var te *oauth.TokenError
		if err == nil || oauth.IsRevoked(err) || !errors.As(err, &te) || te.Err == nil {
			t.Fatalf("err %v, want a token error that is not a revocation", err)
		}
	})

	t.Run("token endpoint refuses connections", func(t *testing.T) {
		o := login(t, s, false)
		o.Expiry = time.Time{}
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		o.TokenURL = "http://" + ln.Addr().String() + "/token"
		ln.Close()
		_, err := oauth.Fresh(ctx, o, nil)
		var te *oauth.TokenError
		if oauth.IsRevoked(err) || !errors.As(err, &te) || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("err %v, want an unreachable token endpoint", err)
		}
	})

	t.Run("revocation endpoint", func(t *testing.T) {
		o := login(t, s, false)
		ok, err := oauth.Revoke(ctx, o, o.RefreshToken)
		if err != nil || !ok {
			t.Fatalf("Revoke = %v, %v", ok, err)
		}
		if s.RefreshValid(o.RefreshToken) {
			t.Fatal("refresh token still valid after revocation")
		}
	})
}
