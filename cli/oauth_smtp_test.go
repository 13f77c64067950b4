package cli

import (
	"context"
	"crypto/tls"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testoauth"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/smtpcheck"
)

// TestOAuthSMTPSameToken: an OAuth2 account sends with the token it reads
// mail with. A real Postfix hands AUTH to the real Dovecot whose oauth2
// passdb introspects the in-process server's tokens. check proves SMTP
// (OAUTHBEARER) beside IMAP; the token 'get --field token' prints logs in
// to Postfix as it is; rotate (authorising again) proves the new token on
// both sides and records both, and keeps the old refresh token when the
// submission server refuses the new one; a refresh token revoked at the
// server is token_revoked, and no SMTP login is tried with a dead token.
func TestOAuthSMTPSameToken(t *testing.T) {
	w := newOAuthWorldTuned(t, testoauth.Options{}, func(o *testimap.DovecotOptions) { o.AuthInet = true })
	pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: w.d.AuthAddr()})
	s := w.s
	var outs []result
	keep := func(r result) result { outs = append(outs, r); return r }
	submission := []string{"--smtp-host", pf.Host(), "--smtp-port", strconv.Itoa(pf.SubmissionPort()), "--smtp-security", "starttls"}

	r := keep(w.interactive(t, append(append([]string{"add", "--name", "mail", "--address", testoauth.Email}, w.args...), submission...)...))
	if r.code != 0 {
		t.Fatalf("add: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = keep(s.run("", "check", "--json", "mail"))
	if it := checkJSON(t, r); r.code != 0 || it[0].Status != "ok" || it[0].SMTP == nil || it[0].SMTP.Status != "ok" {
		t.Fatalf("check: exit %d %+v %+v\npostfix:\n%s", r.code, it, it[0].SMTP, pf.Log())
	}
	if !strings.Contains(pf.Log(), "sasl_method=OAUTHBEARER, sasl_username="+testoauth.Email) {
		t.Fatalf("Postfix logged no OAUTHBEARER login:\n%s", pf.Log())
	}

	// The token a mail client's token command gets serves SMTP as is.
	r = keep(s.run("", "get", "mail", "--field", "token"))
	tok := strings.TrimSpace(r.stdout)
	if r.code != 0 || tok == "" {
		t.Fatalf("get --field token: exit %d %s", r.code, r.stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if res := smtpcheck.Check(ctx, smtpcheck.Target{Name: "mail", Host: pf.Host(), Port: pf.SMTPSPort(), Security: smtpcheck.TLS,
		Username: testoauth.Email, Bearer: tok, Address: testoauth.Email, TLSConfig: &tls.Config{RootCAs: w.d.RootCAs()}}); !res.OK() {
		t.Fatalf("Postfix refused get's token: %s %s", res.Status, res.Message)
	}

	// rotate: the new token is proven on both sides, and both recorded.
	old := w.account(t, "mail").OAuth.RefreshToken
	r = keep(w.interactive(t, "rotate", "mail"))
	if r.code != 0 || !strings.Contains(r.stdout, "the new token logs in and sends") {
		t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a := w.account(t, "mail")
	if a.OAuth.RefreshToken == old || a.LastCheck == nil || a.LastCheck.Status != "ok" ||
		a.LastCheck.SMTP == nil || a.LastCheck.SMTP.Status != "ok" {
		t.Fatalf("rotate kept %+v (smtp %+v)", a.LastCheck, a.LastCheck.SMTP)
	}

	// A submission server that refuses the new token (as one whose
	// consent lacks the sending scope would): nothing is kept.
	refusing := testsmtp.Start(t, testsmtp.Options{Bearer: func(string, string) bool { return false }})
	if r := keep(s.run("", "edit", "mail", "--smtp-host", refusing.Host(), "--smtp-port", strconv.Itoa(refusing.Port()),
		"--smtp-security", "tls")); r.code != 0 {
		t.Fatalf("edit: %s", r.stderr)
	}
	before := w.account(t, "mail").OAuth
	r = keep(w.interactive(t, "rotate", "mail"))
	if r.code == 0 || !strings.Contains(r.stderr, "logs in to IMAP, but SMTP 127.0.0.1:"+strconv.Itoa(refusing.Port())+" refused it") ||
		!strings.Contains(r.stderr, "auth_failed") || !strings.Contains(r.stderr, "old refresh token is still current") {
		t.Fatalf("rotate against a refusing SMTP server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if now := w.account(t, "mail").OAuth; now.RefreshToken != before.RefreshToken || !w.as.RefreshValid(before.RefreshToken) {
		t.Fatal("a rotation SMTP refused replaced (or revoked) the refresh token")
	}
	if refusing.Logins() == 0 || refusing.Mails() != 0 {
		t.Errorf("the refusing server saw %d logins, %d MAIL FROM", refusing.Logins(), refusing.Mails())
	}

	// Revoked at the server: token_revoked, and no SMTP login with it.
	if r := keep(s.run("", append([]string{"edit", "mail"}, submission...)...)); r.code != 0 {
		t.Fatalf("edit back: %s", r.stderr)
	}
	if err := w.as.RevokeRefresh(w.account(t, "mail").OAuth.RefreshToken); err != nil {
		t.Fatal(err)
	}
	w.expire(t, "mail")
	connects := strings.Count(pf.Log(), ": connect from")
	r = keep(s.run("", "check", "--json", "mail"))
	it := checkJSON(t, r)
	if r.code != 1 || it[0].Status != "token_revoked" || !strings.Contains(it[0].Error, "imapvault oauth login mail") {
		t.Fatalf("revoked: exit %d %+v", r.code, it)
	}
	if it[0].SMTP != nil || strings.Count(pf.Log(), ": connect from") != connects {
		t.Errorf("an SMTP check ran with a revoked token: %+v", it[0].SMTP)
	}
	if a := w.account(t, "mail"); a.LastCheck.Status != "token_revoked" {
		t.Errorf("last check %+v", a.LastCheck)
	}

	secrets := []string{testoauth.ClientSecret, tok, old, before.RefreshToken, before.AccessToken}
	for i, r := range outs {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(r.stdout+r.stderr, sec) && !(i == 2 && sec == tok) { // get prints the token: its job
				t.Errorf("output %d holds a secret:\n%s%s", i, r.stdout, r.stderr)
			}
		}
	}
	for _, sec := range secrets {
		if strings.Contains(pf.Log(), sec) || strings.Contains(w.d.Log(), sec) {
			t.Error("a token or secret is in a server's log")
		}
	}
}
