package lastcheck

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/vault"
)

// Prove checks one account's two sides as Run does: the password on both,
// or the bearer token on both (never the password then), and no SMTP side
// for an account without an endpoint.
func TestProveBothSides(t *testing.T) {
	const pw, token = "proof password 5e1d", "proof-token-7c2a"
	bearer := func(user, tok string) bool { return user == "alice" && tok == token }
	imap := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": pw}, Bearer: bearer})
	smtp := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{"alice": pw}, Bearer: bearer,
		Mechs: []string{"OAUTHBEARER", "PLAIN"}})
	conf := &tls.Config{RootCAs: imap.RootCAs()}
	acct := func(password string, withSMTP bool) *vault.Account {
		a := &vault.Account{Name: "alice", Host: imap.Host(), Port: imap.Port(), Security: vault.TLS, Username: "alice",
			Password: password, Address: "alice@example.test"}
		if withSMTP {
			a.SMTP = &vault.Endpoint{Host: smtp.Host(), Port: smtp.Port(), Security: vault.TLS}
		}
		return a
	}
	for _, c := range []struct {
		name   string
		a      *vault.Account
		bearer string
		imapOK bool
		smtp   string // "" no SMTP side
	}{
		{"password", acct(pw, true), "", true, "ok"},
		{"wrong password", acct("not it", true), "", false, "auth_failed"},
		{"token, no password", acct("", true), token, true, "ok"},
		{"token beats a stale password", acct("not it", true), token, true, "ok"},
		{"wrong token", acct(pw, true), "other-token", false, "auth_failed"},
		{"no endpoint", acct(pw, false), "", true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := smtp.Logins()
			b := Prove(context.Background(), c.a, c.bearer, 10*time.Second, conf)
			got := ""
			if b.SMTP != nil {
				got = string(b.SMTP.Status)
			}
			if b.IMAP.OK() != c.imapOK || got != c.smtp || b.OK() != (c.imapOK && (c.smtp == "" || c.smtp == "ok")) {
				t.Fatalf("imap %s %q, smtp %q; want imap ok %v, smtp %q", b.IMAP.Status, b.IMAP.Message, got, c.imapOK, c.smtp)
			}
			if want := map[bool]int{true: 1, false: 0}[c.smtp != ""]; smtp.Logins()-before != want {
				t.Errorf("%d SMTP logins, want %d", smtp.Logins()-before, want)
			}
		})
	}
	if smtp.Datas() != 0 {
		t.Error("a proof reached DATA")
	}
}
