package cli

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// issuerArgs are add's flags for an account that names only the issuer.
func (w *oauthWorld) issuerArgs(name string) []string {
	return []string{"add", "--name", name, "--host", w.d.Host(), "--port", strconv.Itoa(w.d.ImplicitPort()),
		"--user", testoauth.Email, "--auth", "oauth2", "--provider", "custom", "--issuer", w.as.URL}
}

// TestAddWithIssuerOnly is the acceptance path of issue 26: 'add ...
// --provider custom --issuer URL' with no client id registers imapvault at
// the server, logs in with the device flow (no display here), checks the
// consent, stores the registered client id; 'check' logs in to Dovecot;
// 'oauth login --device' works again with the same client id.
func TestAddWithIssuerOnly(t *testing.T) {
	w := newOAuthWorldWith(t, testoauth.Options{Registration: true, ClaimsInIDToken: true, DeviceInterval: time.Second})
	r := w.interactive(t, w.issuerArgs("g")...)
	if r.code != 0 || !strings.Contains(r.stdout, "added g") {
		t.Fatalf("add: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"registered imapvault as a public client", "enter the code", "authorised by " + testoauth.Email} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("add's stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	added := r
	a := w.account(t, "g")
	o := a.OAuth
	if !o.Registered || !w.as.Registered(o.ClientID) || o.ClientSecret != "" || o.Issuer != w.as.URL ||
		o.TokenURL != w.as.TokenURL() || o.RefreshToken == "" {
		t.Fatalf("stored settings: registered %v client %q issuer %q token %q refresh %v", o.Registered, o.ClientID, o.Issuer, o.TokenURL, o.RefreshToken != "")
	}
	r = w.s.run("", "check", "--json", "g")
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" {
		t.Fatalf("check: exit %d %+v\n%s", r.code, it, w.d.Log())
	}

	r = w.interactive(t, "oauth", "login", "g", "--device")
	if r.code != 0 {
		t.Fatalf("oauth login --device: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "registered imapvault") || len(w.as.Registrations()) != 1 {
		t.Fatalf("the second login registered again (%d registrations)\n%s", len(w.as.Registrations()), r.stderr)
	}
	if b := w.account(t, "g").OAuth; b.ClientID != o.ClientID || b.RefreshToken == o.RefreshToken {
		t.Fatal("oauth login did not keep the client id and store the new refresh token")
	}
	r2 := w.s.run("", "check", "--json", "g")
	if it := checkJSON(t, r2); r2.code != 0 || it[0].Status != "ok" {
		t.Fatalf("check after oauth login: exit %d %+v", r2.code, it)
	}
	now := w.account(t, "g").OAuth
	for _, out := range []result{added, r, r2} {
		for _, sec := range []string{o.RefreshToken, o.AccessToken, now.RefreshToken, now.AccessToken} {
			if strings.Contains(out.stdout+out.stderr, sec) {
				t.Fatalf("a token in the output:\n%s%s", out.stdout, out.stderr)
			}
		}
	}
}

// TestLoginByTheWrongUserStoresNothing: the other user approves; add
// refuses, saying who consented, and the vault stays as it was; oauth
// login on an existing account keeps its old tokens.
func TestLoginByTheWrongUserStoresNothing(t *testing.T) {
	w := newOAuthWorldWith(t, testoauth.Options{Registration: true, DeviceInterval: time.Second})
	before, err := os.ReadFile(w.s.vault)
	if err != nil {
		t.Fatal(err)
	}
	r := w.interactiveAs(t, testoauth.User2, w.issuerArgs("g")...)
	if r.code == 0 || !strings.Contains(r.stderr, "given by "+testoauth.Email2) || !strings.Contains(r.stderr, "imapvault: hint: sign in as "+testoauth.Email) {
		t.Fatalf("add by the wrong user: exit %d\n%s", r.code, r.stderr)
	}
	after, _ := os.ReadFile(w.s.vault)
	if string(before) != string(after) {
		t.Fatal("the refused login changed the vault")
	}

	if r := w.interactive(t, w.issuerArgs("g")...); r.code != 0 {
		t.Fatalf("add by the right user: %s", r.stderr)
	}
	held := w.account(t, "g").OAuth
	r = w.interactiveAs(t, testoauth.User2, "oauth", "login", "g")
	if r.code == 0 || !strings.Contains(r.stderr, testoauth.Email2) {
		t.Fatalf("oauth login by the wrong user: exit %d\n%s", r.code, r.stderr)
	}
	if now := w.account(t, "g").OAuth; now.RefreshToken != held.RefreshToken || now.AccessToken != held.AccessToken {
		t.Fatal("the refused login replaced the account's tokens")
	}
}

// TestRegistrationRefusedSaysWhatToDo: the server's words and the
// --client-id hint; nothing is added.
func TestRegistrationRefusedSaysWhatToDo(t *testing.T) {
	w := newOAuthWorldWith(t, testoauth.Options{Registration: true, RefuseRegistration: "registration is for staff \x1b[31m only"})
	r := w.interactive(t, w.issuerArgs("g")...)
	if r.code == 0 || !strings.Contains(r.stderr, "refused to register imapvault") || !strings.Contains(r.stderr, "registration is for staff") ||
		!strings.Contains(r.stderr, "--client-id") {
		t.Fatalf("refused registration: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "\x1b[31m") {
		t.Error("the server's escape sequence reached the terminal")
	}
	f, err := vault.Open(w.s.vault, w.id)
	if err != nil {
		t.Fatal(err)
	}
	if f.Vault.Find("g") != nil {
		t.Fatal("an account was added")
	}
}

// TestCopyCodeOSC52: --copy-code hands the device code to the terminal's
// clipboard as base64 inside OSC 52 (a code with an escape in it cannot
// end the sequence early), and says so; without a terminal it says why not.
func TestCopyCodeOSC52(t *testing.T) {
	ptm, pts := openPTY(t)
	defer ptm.Close()
	code := "WDJB-MJHT\x1b]0;pwned\a"
	e := &env{stderr: pts, getenv: func(string) string { return "" }}
	e.showFlow("g", oauth.Flow{Device: true, URL: "https://as.example/device", UserCode: code}, true)
	pts.Close()
	var screen bytes.Buffer
	io.Copy(&screen, ptm) // ends with EIO once the terminal side is closed
	want := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(code)) + "\a"
	if !strings.Contains(screen.String(), want) || !strings.Contains(screen.String(), "on the clipboard") {
		t.Fatalf("no OSC 52 copy of the code in %q", screen.String())
	}
	if strings.Contains(screen.String(), "\x1b]0;pwned") {
		t.Fatal("the server's escape sequence reached the terminal raw")
	}

	var buf bytes.Buffer
	e = &env{stderr: &buf, getenv: func(string) string { return "" }}
	e.showFlow("g", oauth.Flow{Device: true, URL: "https://as.example/device", UserCode: "WDJB-MJHT"}, true)
	if strings.Contains(buf.String(), "\x1b]52") || !strings.Contains(buf.String(), "needs a terminal") {
		t.Fatalf("without a terminal: %q", buf.String())
	}
}

// TestPublicClientIDSaidOutLoud: another program's published client id
// is named with its owner and the way to replace it; an id of one's own
// says nothing.
func TestPublicClientIDSaidOutLoud(t *testing.T) {
	var buf bytes.Buffer
	e := &env{stderr: &buf, getenv: func(string) string { return "" }}
	e.namePublicClient("work", &vault.OAuth{Provider: oauth.Microsoft, ClientID: "9e5f94bc-e8a4-4e73-b8be-63364c29d753"})
	for _, want := range []string{"Mozilla Thunderbird's", "imapvault edit work --client-id ID"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("note %q lacks %q", buf.String(), want)
		}
	}
	buf.Reset()
	e.namePublicClient("work", &vault.OAuth{Provider: oauth.Microsoft, ClientID: "my-own-registration"})
	if buf.Len() != 0 {
		t.Errorf("an own client id got a note: %q", buf.String())
	}
}
