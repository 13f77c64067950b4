package oauth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// TestMicrosoftAsksForSMTPSend: a Microsoft account's login asks for
// SMTP.Send beside IMAP, so the one refresh token serves submission too,
// in the device flow's request and in the browser flow's URL. Microsoft's
// endpoints cannot run here: a stand-in records the device request's
// form, checks its shape, and refuses it.
func TestMicrosoftAsksForSMTPSend(t *testing.T) {
	want := []string{"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"}
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/consumers/oauth2/v2.0/devicecode" || r.ParseForm() != nil ||
			r.PostForm.Get("client_id") != "my-app" {
			t.Errorf("device request of the wrong shape: %s %s %v", r.Method, r.URL.Path, r.PostForm)
		}
		mu.Lock()
		asked = strings.Fields(r.PostForm.Get("scope"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_client","error_description":"stand-in: no such app"}`))
	}))
	defer srv.Close()
	base := srv.URL + "/consumers/oauth2/v2.0/"
	o := &vault.OAuth{Provider: oauth.Microsoft, ClientID: "my-app",
		AuthURL: base + "authorize", TokenURL: base + "token", DeviceURL: base + "devicecode"}
	if err := oauth.Apply(o); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := oauth.Login(ctx, o, oauth.LoginOptions{Device: true}); err == nil {
		t.Fatal("the stand-in refused the device request, yet the login succeeded")
	}
	mu.Lock()
	got := asked
	mu.Unlock()
	for _, s := range want {
		if !slices.Contains(got, s) {
			t.Errorf("device flow asked for %v, without %s", got, s)
		}
	}

	// The browser flow: the scope in the authorization URL.
	bctx, bcancel := context.WithCancel(ctx)
	var authURL string
	oauth.Login(bctx, o, oauth.LoginOptions{Show: func(f oauth.Flow) { authURL = f.URL; bcancel() }})
	u, err := url.Parse(authURL)
	if err != nil || !strings.HasPrefix(authURL, base+"authorize?") {
		t.Fatalf("authorization URL %q: %v", authURL, err)
	}
	for _, s := range want {
		if !slices.Contains(strings.Fields(u.Query().Get("scope")), s) {
			t.Errorf("browser flow asked for %q, without %s", u.Query().Get("scope"), s)
		}
	}
}
