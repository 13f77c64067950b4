package oauth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
)

// TestDeviceFlowSlowDown: the server answers the first poll with
// slow_down; the login waits the interval plus 5 s before the next poll
// (the server counts any poll that came sooner) and still gets tokens.
func TestDeviceFlowSlowDown(t *testing.T) {
	s := testoauth.StartWith(t, testoauth.Options{DeviceInterval: time.Second, SlowDown: 1})
	o := account(s)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	approved := make(chan error, 1)
	tok, err := oauth.Login(ctx, o, oauth.LoginOptions{Device: true, Show: func(f oauth.Flow) {
		approved <- s.ApproveDevice(f.UserCode, true)
	}})
	if aerr := <-approved; aerr != nil {
		t.Fatal(aerr)
	}
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("login after slow_down: %v", err)
	}
	polls, slow, tooFast := s.DevicePolls()
	if slow != 1 || polls < 2 || tooFast != 0 {
		t.Fatalf("polls %d, slow_down %d, too fast %d: want the interval raised after slow_down", polls, slow, tooFast)
	}
}

// TestDeviceFlowExpiry: nobody enters the code; the login stops when the
// code expires (the server's expires_in) with ErrCodeExpired, not at the
// caller's much later deadline.
func TestDeviceFlowExpiry(t *testing.T) {
	s := testoauth.StartWith(t, testoauth.Options{DeviceInterval: time.Second, DeviceLifetime: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var flow oauth.Flow
	_, err := oauth.Login(ctx, account(s), oauth.LoginOptions{Device: true, Show: func(f oauth.Flow) { flow = f }})
	if !errors.Is(err, oauth.ErrCodeExpired) {
		t.Fatalf("err %v, want ErrCodeExpired", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the login ran to the caller's deadline instead of the code's")
	}
	if flow.Expires.IsZero() || flow.UserCode == "" {
		t.Fatalf("the flow shown lacks the code or its expiry: %+v", flow)
	}
	if h := oauth.Hint(err, "mail"); h == "" {
		t.Error("no hint for an expired code")
	}
}
