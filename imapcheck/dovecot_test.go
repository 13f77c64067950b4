package imapcheck_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// The same checks as TestCheckInProcess, against a real Dovecot. Skipped
// when Dovecot is not installed (unless IMAPVAULT_REQUIRE_REAL_DEPS=1).
func TestCheckDovecot(t *testing.T) {
	users := map[string]string{user: pw}
	d := testimap.StartDovecot(t, users)
	expired := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: users, Cert: testimap.CertSpec{Days: -2}})
	frozen := testimap.StartDovecot(t, users)
	if err := frozen.Freeze(); err != nil {
		t.Fatal(err)
	}
	stopped := testimap.StartDovecot(t, users)
	stopped.Close()

	tg := func(d *testimap.Dovecot, sec imapcheck.Security, port int, password string) imapcheck.Target {
		return imapcheck.Target{Name: "acct", Host: d.Host(), Port: port, Security: sec, Username: user,
			Password: password, TLSConfig: &tls.Config{RootCAs: d.RootCAs()}}
	}
	from := func(t imapcheck.Target, ip string) imapcheck.Target { t.LocalAddr = ip; return t }
	server := func(t imapcheck.Target, name string) imapcheck.Target {
		t.TLSConfig = &tls.Config{RootCAs: d.RootCAs(), ServerName: name}
		return t
	}
	tests := []struct {
		name    string
		target  imapcheck.Target
		timeout time.Duration
		want    want
	}{
		{"tls ok", tg(d, imapcheck.TLS, d.ImplicitPort(), pw), 0, want{status: imapcheck.StatusOK, daysLeft: 365}},
		{"starttls ok", tg(d, imapcheck.STARTTLS, d.StartTLSPort(), pw), 0, want{status: imapcheck.StatusOK}},
		{"starttls ok from 127.0.0.2", from(tg(d, imapcheck.STARTTLS, d.StartTLSPort(), pw), "127.0.0.2"), 0,
			want{status: imapcheck.StatusOK}},
		{"insecure ok from 127.0.0.1 (dovecot counts it as secure)", tg(d, imapcheck.Insecure, d.StartTLSPort(), pw), 0,
			want{status: imapcheck.StatusOK}},
		{"login disabled from 127.0.0.2", from(tg(d, imapcheck.Insecure, d.StartTLSPort(), pw), "127.0.0.2"), 0,
			want{status: imapcheck.StatusLoginDisabled, message: "LOGINDISABLED"}},
		// Dovecot slows down every login from an address after a failed one
		// (auth penalty): fail from addresses no other case uses.
		{"wrong password tls", from(tg(d, imapcheck.TLS, d.ImplicitPort(), "wrong"), "127.0.0.3"), 0,
			want{status: imapcheck.StatusAuthFailed, code: "AUTHENTICATIONFAILED", message: "Authentication failed"}},
		{"wrong password starttls", from(tg(d, imapcheck.STARTTLS, d.StartTLSPort(), "wrong"), "127.0.0.4"), 0,
			want{status: imapcheck.StatusAuthFailed, code: "AUTHENTICATIONFAILED", message: "Authentication failed"}},
		{"tls to cleartext port", tg(d, imapcheck.TLS, d.StartTLSPort(), pw), 0,
			want{status: imapcheck.StatusTLSError, message: "did not answer with TLS"}},
		{"wrong host name", server(tg(d, imapcheck.TLS, d.ImplicitPort(), pw), "imap.wrong.example"), 0,
			want{status: imapcheck.StatusTLSError, certErr: "not imap.wrong.example"}},
		{"expired cert", tg(expired, imapcheck.TLS, expired.ImplicitPort(), pw), 0,
			want{status: imapcheck.StatusTLSError, certErr: "expired on", daysLeft: -2}},
		{"expired cert starttls", tg(expired, imapcheck.STARTTLS, expired.StartTLSPort(), pw), 0,
			want{status: imapcheck.StatusTLSError, certErr: "expired on"}},
		{"stalled server", tg(frozen, imapcheck.TLS, frozen.ImplicitPort(), pw), 500 * time.Millisecond,
			want{status: imapcheck.StatusTimeout, message: "tls handshake"}},
		{"stopped server", tg(stopped, imapcheck.TLS, stopped.ImplicitPort(), pw), 0,
			want{status: imapcheck.StatusUnreachable, message: "refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			timeout := tt.timeout
			if timeout == 0 {
				timeout = testwait.Patience
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			r := imapcheck.Check(ctx, tt.target)
			if d := time.Since(start); tt.timeout != 0 && d > timeout+overdue {
				t.Errorf("check took %v, timeout %v", d, timeout)
			}
			checkResult(t, r, tt.want)
		})
	}
}

// TestDovecotSetPassword: SetPassword returns once Dovecot has reread its
// passwd file, so the first login after it sees the new password and the
// old one is refused.
func TestDovecotSetPassword(t *testing.T) {
	d := testimap.StartDovecot(t, map[string]string{user: pw})
	const newPW = "new password 2"
	if err := d.SetPassword(user, newPW); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		password string
		want     imapcheck.Status
	}{{newPW, imapcheck.StatusOK}, {pw, imapcheck.StatusAuthFailed}} {
		tg := imapcheck.Target{Name: "acct", Host: d.Host(), Port: d.ImplicitPort(), Security: imapcheck.TLS,
			Username: user, Password: c.password, TLSConfig: &tls.Config{RootCAs: d.RootCAs()}}
		ctx, cancel := context.WithTimeout(context.Background(), testwait.Patience)
		r := imapcheck.Check(ctx, tg)
		cancel()
		if r.Status != c.want {
			t.Errorf("login with the %s password: %s %s; want %s", map[bool]string{true: "new", false: "old"}[c.password == newPW], r.Status, r.Message, c.want)
		}
	}
}
