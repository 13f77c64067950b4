package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// oauthWorld is an authorization server, a Dovecot that validates its
// tokens, and a sandbox whose vault is readable with a plain identity.
type oauthWorld struct {
	s    *sandbox
	as   *testoauth.Server
	d    *testimap.Dovecot
	id   *vault.Identity
	args []string // add's OAuth2 flags for the test server
}

func newOAuthWorld(t *testing.T) *oauthWorld { return newOAuthWorldWith(t, testoauth.Options{}) }

func newOAuthWorldWith(t *testing.T, opt testoauth.Options) *oauthWorld {
	return newOAuthWorldTuned(t, opt, nil)
}

// newOAuthWorldTuned is newOAuthWorldWith with Dovecot's options tuned
// (tune may be nil), e.g. its auth listener opened for Postfix.
func newOAuthWorldTuned(t *testing.T, opt testoauth.Options, tune func(*testimap.DovecotOptions)) *oauthWorld {
	testimap.LookBin(t, "dovecot", "dovecot-imapd")
	w := &oauthWorld{s: newSandbox(t), as: testoauth.StartWith(t, opt)}
	trustTestCA(t, w.s)
	dopts := w.as.DovecotOptions("xoauth2 oauthbearer")
	if tune != nil {
		tune(&dopts)
	}
	w.d = testimap.StartDovecotWith(t, dopts)
	w.s.plainIdentity()
	w.s.init()
	var err error
	if w.id, err = vault.LoadIdentity(w.s.identity, nil); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(w.s.dir, "client-secret")
	if err := os.WriteFile(secret, []byte(testoauth.ClientSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.args = []string{"--host", w.d.Host(), "--port", strconv.Itoa(w.d.ImplicitPort()), "--user", testoauth.Email,
		"--auth", "oauth2", "--provider", "custom", "--client-id", testoauth.ClientID, "--client-secret-file", secret,
		"--auth-url", w.as.AuthURL(), "--token-url", w.as.TokenURL(), "--device-url", w.as.DeviceURL(),
		"--revoke-url", w.as.RevokeURL(), "--scope", strings.Join(testoauth.Scopes, " ")}
	return w
}

// interactive runs a command whose login flow the test browser completes:
// it reads the child's stderr for the URL (or device code) and plays the
// person at the browser.
func (w *oauthWorld) interactive(t *testing.T, args ...string) result {
	t.Helper()
	return w.interactiveAs(t, w.as.User, args...)
}

// interactiveAs is interactive with user at the browser.
func (w *oauthWorld) interactiveAs(t *testing.T, user string, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_VAULT="+w.s.vault, "IMAPVAULT_IDENTITY="+w.s.identity,
		"DISPLAY=", "WAYLAND_DISPLAY=")
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		line := sc.Text()
		errb.WriteString(line + "\n")
		switch {
		case strings.HasPrefix(line, "http://"):
			if err := w.as.BrowserAs(context.Background(), line, user); err != nil {
				t.Error(err)
			}
		case strings.Contains(line, "enter the code "):
			code := line[strings.LastIndex(line, " ")+1:]
			if err := w.as.ApproveDeviceAs(code, user, true); err != nil {
				t.Error(err)
			}
		}
	}
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func (w *oauthWorld) account(t *testing.T, name string) *vault.Account {
	t.Helper()
	f, err := vault.Open(w.s.vault, w.id)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.Find(name)
	if a == nil || a.OAuth == nil {
		t.Fatalf("no oauth2 account %q in the vault", name)
	}
	return a
}

// expire makes the stored access token look expired.
func (w *oauthWorld) expire(t *testing.T, name string) {
	t.Helper()
	f, err := vault.OpenLocked(w.s.vault, w.id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Vault.Find(name).OAuth.Expiry = time.Now().Add(-time.Minute)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

func checkJSON(t *testing.T, r result) []checkItem {
	t.Helper()
	var items []checkItem
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("check --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return items
}

// TestOAuthEndToEnd: add runs the PKCE loopback login, check logs in to
// Dovecot with the token, an expired token is refreshed (the rotated
// refresh token lands in the vault), a refresh token revoked at the server
// is token_revoked with the way out, a hanging token endpoint is
// token_error within the check's timeout, 'oauth login --device' recovers,
// and no token or client secret shows up in any output or file.
func TestOAuthEndToEnd(t *testing.T) {
	w := newOAuthWorld(t)
	s := w.s
	var outputs []result
	keep := func(r result) result { outputs = append(outputs, r); return r }

	r := keep(w.interactive(t, append([]string{"add", "--name", "mail"}, w.args...)...))
	if r.code != 0 || !strings.Contains(r.stdout, "added mail") {
		t.Fatalf("add: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	first := w.account(t, "mail").OAuth
	if first.RefreshToken == "" || first.AccessToken == "" || first.ClientSecret != testoauth.ClientSecret {
		t.Fatal("add did not store the tokens and the client secret")
	}

	r = keep(s.run("", "check", "--json", "mail"))
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" {
		t.Fatalf("check after login: exit %d %+v\n%s", r.code, it, w.d.Log())
	}

	w.expire(t, "mail")
	r = keep(s.run("", "check", "--json", "mail"))
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" {
		t.Fatalf("check with an expired token: exit %d %+v", r.code, it)
	}
	second := w.account(t, "mail").OAuth
	if second.RefreshToken == first.RefreshToken || !w.as.RefreshValid(second.RefreshToken) {
		t.Fatal("the rotated refresh token is not the one in the vault")
	}

	// The server forgets the refresh token (consent withdrawn).
	if err := w.as.RevokeRefresh(second.RefreshToken); err != nil {
		t.Fatal(err)
	}
	w.expire(t, "mail")
	r = keep(s.run("", "check", "--json", "mail"))
	it := checkJSON(t, r)
	if r.code != 1 || it[0].Status != "token_revoked" || !strings.Contains(it[0].Error, "imapvault oauth login mail") {
		t.Fatalf("revoked: exit %d %+v", r.code, it)
	}
	r = keep(s.run("", "check", "mail"))
	if !strings.Contains(r.stdout, "FAIL token_revoked") {
		t.Errorf("check's table: %s", r.stdout)
	}

	r = keep(w.interactive(t, "oauth", "login", "mail", "--device"))
	if r.code != 0 {
		t.Fatalf("oauth login --device: exit %d\n%s", r.code, r.stderr)
	}
	r = keep(s.run("", "check", "--json", "mail"))
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" {
		t.Fatalf("check after oauth login: %+v", it)
	}

	w.as.Hang(true)
	w.expire(t, "mail")
	r = keep(s.run("", "check", "--json", "--timeout", "2s", "mail"))
	w.as.Hang(false)
	if it := checkJSON(t, r); r.code != 1 || it[0].Status != "token_error" {
		t.Fatalf("hanging token endpoint: exit %d %+v", r.code, it)
	}

	// An existing refresh token, brought by a script.
	third := w.account(t, "mail").OAuth
	r = keep(s.run(third.RefreshToken+"\n", append([]string{"add", "--name", "moved", "--refresh-token-stdin"}, w.args...)...))
	if r.code != 0 {
		t.Fatalf("add --refresh-token-stdin: %s", r.stderr)
	}
	r = keep(s.run("", "check", "--json", "moved"))
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" {
		t.Fatalf("check of the moved token: %+v", it)
	}
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"audit"}, {"audit", "--json"}, {"check"}} {
		keep(s.run("", args...))
	}
	if l := outputs[len(outputs)-4].stdout; !strings.Contains(l, `"auth": "oauth2"`) {
		t.Errorf("list --json does not show the kind:\n%s", l)
	}
	if l := outputs[len(outputs)-5].stdout; !strings.Contains(l, "oauth2, token used") {
		t.Errorf("list does not show the kind:\n%s", l)
	}

	// Sentinel: every token this test saw, and the client secret.
	secrets := []string{testoauth.ClientSecret}
	for _, o := range []*vault.OAuth{first, second, third, w.account(t, "mail").OAuth, w.account(t, "moved").OAuth} {
		secrets = append(secrets, o.RefreshToken, o.AccessToken)
	}
	for i, r := range outputs {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(r.stdout+r.stderr, sec) {
				t.Errorf("output %d holds a secret:\n%s\n%s", i, r.stdout, r.stderr)
			}
		}
	}
	os.Remove(filepath.Join(s.dir, "client-secret")) // the one file that legitimately held one
	filepath.Walk(s.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, sec := range secrets {
			if sec != "" && bytes.Contains(b, []byte(sec)) {
				t.Errorf("%s holds a secret in plaintext", p)
			}
		}
		return nil
	})
}

// TestAccessTokenForGet is the helper behind 'get NAME --field token': it
// refreshes a token with less than 5 minutes left, saves the rotated
// refresh token first, and Dovecot takes what it returns.
func TestAccessTokenForGet(t *testing.T) {
	w := newOAuthWorld(t)
	r := w.interactive(t, append([]string{"add", "--name", "mail", "--device"}, w.args...)...)
	if r.code != 0 {
		t.Fatalf("add --device: %s", r.stderr)
	}
	for _, left := range []time.Duration{time.Hour, 4 * time.Minute} {
		a := w.account(t, "mail")
		before := *a.OAuth
		a.OAuth.Expiry = time.Now().Add(left)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		tok, err := AccessToken(ctx, w.s.vault, w.id, a)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		refreshed := tok != before.AccessToken
		if refreshed != (left < 5*time.Minute) {
			t.Fatalf("%s left: refreshed=%v", left, refreshed)
		}
		if refreshed && w.account(t, "mail").OAuth.RefreshToken == before.RefreshToken {
			t.Fatal("the rotated refresh token was not saved")
		}
		res := imapcheck.Check(context.Background(), imapcheck.Target{Name: "mail", Host: w.d.Host(), Port: w.d.ImplicitPort(),
			Security: imapcheck.TLS, Username: testoauth.Email, Bearer: tok, TLSConfig: &tls.Config{RootCAs: w.d.RootCAs()}})
		if !res.OK() {
			t.Fatalf("dovecot refused the token: %s %s", res.Status, res.Message)
		}
	}

	// The command line, as a mail client's token command runs it: with
	// less than five minutes left it refreshes, saves, and prints a token
	// Dovecot accepts; a password account has no token.
	w.expire(t, "mail")
	a := w.account(t, "mail")
	r = w.s.run("", "get", "mail", "--field", "token")
	tok := strings.TrimSpace(r.stdout)
	if r.code != 0 || tok == "" || strings.Contains(r.stdout, "\n"+tok) {
		t.Fatalf("get --field token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if tok == a.OAuth.AccessToken {
		t.Fatal("get --field token printed the expiring token instead of refreshing")
	}
	res := imapcheck.Check(context.Background(), imapcheck.Target{Name: "mail", Host: w.d.Host(), Port: w.d.ImplicitPort(),
		Security: imapcheck.TLS, Username: testoauth.Email, Bearer: tok, TLSConfig: &tls.Config{RootCAs: w.d.RootCAs()}})
	if !res.OK() {
		t.Fatalf("dovecot refused get's token: %s %s", res.Status, res.Message)
	}
}

// TestOAuthRotateEditAndMicrosoftHint: rotate re-authorises (new token
// verified, kept, the old one revoked at the server); a password account
// at a Microsoft host that fails gets the way to switch, and edit --auth
// oauth2 switches it.
func TestOAuthRotateEditAndMicrosoftHint(t *testing.T) {
	w := newOAuthWorld(t)
	if r := w.interactive(t, append([]string{"add", "--name", "mail"}, w.args...)...); r.code != 0 {
		t.Fatalf("add: %s", r.stderr)
	}
	old := w.account(t, "mail").OAuth.RefreshToken
	r := w.interactive(t, "rotate", "mail")
	if r.code != 0 || !strings.Contains(r.stdout, "old refresh token is revoked") {
		t.Fatalf("rotate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	now := w.account(t, "mail")
	if now.OAuth.RefreshToken == old || !w.as.RefreshValid(now.OAuth.RefreshToken) || w.as.RefreshValid(old) {
		t.Fatal("rotate must keep a new, valid refresh token and revoke the old one")
	}
	if now.LastCheck == nil || now.LastCheck.Status != "ok" {
		t.Fatalf("rotate did not record its verifying login: %+v", now.LastCheck)
	}

	// A password account at a Microsoft host whose login fails. The
	// check cannot reach Microsoft here; the hint is judged on the result.
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"bob": "right"}})
	a := &vault.Account{Name: "work", Host: "outlook.office365.com", Username: "bob"}
	res := imapcheck.Check(context.Background(), imapcheck.Target{Name: "work", Host: srv.Host(), Port: srv.Port(),
		Security: imapcheck.TLS, Username: "bob", Password: "wrong", TLSConfig: &tls.Config{RootCAs: srv.RootCAs()}})
	oauth.ExplainRefusal(a, &res)
	if res.Status != imapcheck.StatusAuthFailed || !strings.Contains(res.Message, "Microsoft turned password IMAP off") ||
		!strings.Contains(res.Message, "imapvault edit work --auth oauth2") {
		t.Fatalf("Microsoft hint: %s %q", res.Status, res.Message)
	}

	w.s.add("work", "old-password")
	r = w.s.run(w.account(t, "mail").OAuth.RefreshToken+"\n", append([]string{"edit", "work", "--refresh-token-stdin"}, w.args[6:]...)...)
	if r.code != 0 {
		t.Fatalf("edit --auth oauth2: %s", r.stderr)
	}
	r = w.s.run("", "edit", "work", "--host", w.d.Host(), "--port", strconv.Itoa(w.d.ImplicitPort()), "--user", testoauth.Email)
	if r.code != 0 {
		t.Fatalf("edit host: %s", r.stderr)
	}
	r = w.s.run("", "check", "--json", "work")
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" {
		t.Fatalf("switched account: %+v %s", it, r.stderr)
	}
	// Back to the password: the refresh token stays, unused.
	held := w.account(t, "work").OAuth.RefreshToken
	if r := w.s.run("", "edit", "work", "--auth", "password"); r.code != 0 {
		t.Fatalf("edit --auth password: %s", r.stderr)
	}
	f, err := vault.Open(w.s.vault, w.id)
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Vault.Find("work"); a.IsOAuth2() || a.OAuth == nil || a.OAuth.RefreshToken != held || a.Password != "old-password" {
		t.Fatal("switching back to the password must keep both the password and the refresh token")
	}
}
