package smtpcheck_test

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/smtpcheck"
)

const (
	user = "alice@example.test"
	pw   = "correct horse battery"
	addr = "alice@example.test"
)

func target(s *testsmtp.Server, sec smtpcheck.Security, password string) smtpcheck.Target {
	return smtpcheck.Target{
		Name: "acct", Host: s.Host(), Port: s.Port(), Security: sec,
		Username: user, Password: password, Address: addr,
		TLSConfig: &tls.Config{RootCAs: s.RootCAs()},
	}
}

type want struct {
	status   smtpcheck.Status
	code     string // Result.Code
	message  string // substring of Message
	noAuth   bool   // the server must not have seen AUTH
	envelope bool   // MAIL and RCPT were accepted
}

func TestCheckInProcess(t *testing.T) {
	users := map[string]string{user: pw}
	e := func(code, a, b, c int, msg string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{a, b, c}, Message: msg}
	}
	tests := []struct {
		name     string
		opts     testsmtp.Options
		security smtpcheck.Security
		password string
		want     want
	}{
		{"tls ok", testsmtp.Options{}, smtpcheck.TLS, pw, want{status: smtpcheck.StatusOK, envelope: true}},
		{"starttls ok", testsmtp.Options{Mode: testsmtp.STARTTLS}, smtpcheck.STARTTLS, pw, want{status: smtpcheck.StatusOK, envelope: true}},
		{"insecure ok", testsmtp.Options{Mode: testsmtp.Plain, InsecureAuth: true}, smtpcheck.Insecure, pw, want{status: smtpcheck.StatusOK, envelope: true}},
		{"no pipelining ok", testsmtp.Options{NoPipelining: true}, smtpcheck.TLS, pw, want{status: smtpcheck.StatusOK, envelope: true}},
		{"login mechanism", testsmtp.Options{Mechs: []string{"LOGIN"}}, smtpcheck.TLS, pw, want{status: smtpcheck.StatusOK, envelope: true}},
		{"wrong password", testsmtp.Options{}, smtpcheck.TLS, "nope", want{status: smtpcheck.StatusAuthFailed, code: "535 5.7.8", message: "authentication failed"}},
		{"sender refused", testsmtp.Options{Senders: map[string][]string{user: {"bob@example.test"}}}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusSenderRefused, code: "553 5.7.1", message: "not owned by user"}},
		{"mail refused", testsmtp.Options{MailError: e(550, 5, 7, 1, "Sender not allowed")}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusSenderRefused, code: "550 5.7.1", message: "MAIL FROM refused"}},
		{"basic auth disabled", testsmtp.Options{AuthError: e(535, 5, 7, 139, "Authentication unsuccessful, basic authentication is disabled")}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusAuthUnavailable, code: "535 5.7.139"}},
		{"basic auth not supported", testsmtp.Options{AuthError: e(550, 5, 7, 30, "Basic authentication is not supported for Client Submission")}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusAuthUnavailable, code: "550 5.7.30"}},
		{"auth required after tls", testsmtp.Options{AuthError: e(530, 5, 7, 0, "Authentication required")}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusAuthUnavailable, code: "530 5.7.0"}},
		{"temporary auth failure", testsmtp.Options{AuthError: e(454, 4, 7, 0, "Temporary authentication failure")}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusUnreachable, code: "454 4.7.0"}},
		{"no AUTH offered", testsmtp.Options{Mechs: []string{}}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusAuthUnavailable, message: "offers no AUTH", noAuth: true}},
		{"only CRAM-MD5", testsmtp.Options{Mechs: []string{"CRAM-MD5"}}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusAuthUnavailable, message: "only CRAM-MD5", noAuth: true}},
		{"cleartext without AUTH", testsmtp.Options{Mode: testsmtp.Plain}, smtpcheck.Insecure, pw,
			want{status: smtpcheck.StatusInsecureRefused, noAuth: true}},
		{"starttls missing", testsmtp.Options{Mode: testsmtp.Plain, InsecureAuth: true}, smtpcheck.STARTTLS, pw,
			want{status: smtpcheck.StatusTLSError, message: "does not offer STARTTLS", noAuth: true}},
		{"starttls stripped", testsmtp.Options{Mode: testsmtp.STARTTLS, Hostile: testsmtp.HostileStripSTARTTLS}, smtpcheck.STARTTLS, pw,
			want{status: smtpcheck.StatusTLSError, message: "does not offer STARTTLS", noAuth: true}},
		{"tls to a starttls port", testsmtp.Options{Mode: testsmtp.STARTTLS}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusTLSError, noAuth: true}},
		{"expired certificate", testsmtp.Options{Cert: certExpired}, smtpcheck.TLS, pw,
			want{status: smtpcheck.StatusTLSError, message: "expired", noAuth: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Users = users
			s := testsmtp.Start(t, tc.opts)
			r := smtpcheck.Check(context.Background(), target(s, tc.security, tc.password))
			checkWant(t, s, r, tc.want)
		})
	}
}

func checkWant(t *testing.T, s *testsmtp.Server, r smtpcheck.Result, w want) {
	t.Helper()
	if r.Status != w.status {
		t.Fatalf("status %s, want %s (message %q)", r.Status, w.status, r.Message)
	}
	if w.code != "" && r.Code != w.code {
		t.Errorf("code %q, want %q", r.Code, w.code)
	}
	if !strings.Contains(r.Message, w.message) {
		t.Errorf("message %q, want it to contain %q", r.Message, w.message)
	}
	if w.noAuth && s.Logins() != 0 {
		t.Errorf("server saw %d AUTH attempts; want none", s.Logins())
	}
	if r.Envelope != w.envelope {
		t.Errorf("envelope %v, want %v", r.Envelope, w.envelope)
	}
	if w.envelope && (s.Mails() != 1 || s.Rcpts() != 1) {
		t.Errorf("server accepted %d MAIL and %d RCPT; want 1 each", s.Mails(), s.Rcpts())
	}
	if s.Datas() != 0 || slices.Contains(s.Commands(), "DATA") {
		t.Errorf("the client sent DATA (commands %v)", s.Commands())
	}
	if r.OK() && (r.Timings.Total <= 0 || r.Timings.Login <= 0) {
		t.Errorf("timings not filled: %+v", r.Timings)
	}
}

// The whole conversation of an ok check, in order: no DATA, an RSET, a
// QUIT (sent after the result, so wait for it).
func TestConversation(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		s := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{user: pw}, NoPipelining: !pipelining})
		r := smtpcheck.Check(context.Background(), target(s, smtpcheck.TLS, pw))
		if !r.OK() {
			t.Fatalf("%s %s", r.Status, r.Message)
		}
		want := []string{"EHLO", "AUTH", "MAIL", "RCPT", "RSET", "QUIT"}
		deadline := time.Now().Add(20 * time.Second)
		for !slices.Equal(s.Commands(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := s.Commands(); !slices.Equal(got, want) {
			t.Errorf("pipelining %v: commands %v, want %v", pipelining, got, want)
		}
		if r.TLS == nil || r.TLS.Version == "" || r.TLS.DaysLeft < 300 {
			t.Errorf("TLS info %+v", r.TLS)
		}
		if !strings.HasPrefix(r.Greeting, "220 ") || !slices.ContainsFunc(r.Extensions, func(x string) bool { return strings.HasPrefix(x, "AUTH ") }) {
			t.Errorf("greeting %q, extensions %v", r.Greeting, r.Extensions)
		}
	}
}

func TestNoAddressStopsAfterAuth(t *testing.T) {
	s := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{user: pw}})
	tg := target(s, smtpcheck.TLS, pw)
	tg.Address = ""
	r := smtpcheck.Check(context.Background(), tg)
	if !r.OK() || r.Envelope || s.Mails() != 0 || !strings.Contains(r.Message, "no address") {
		t.Fatalf("status %s envelope %v mails %d message %q", r.Status, r.Envelope, s.Mails(), r.Message)
	}
}

func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := smtpcheck.Check(context.Background(), smtpcheck.Target{Host: "127.0.0.1", Port: port, Security: smtpcheck.TLS, Username: user, Password: pw})
	if r.Status != smtpcheck.StatusUnreachable || !strings.Contains(r.Message, "refused") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}

func TestBearer(t *testing.T) {
	const token = "ya29.token-for-alice"
	ok := func(u, tok string) bool { return u == user && tok == token }
	for _, mechs := range [][]string{{"OAUTHBEARER"}, {"XOAUTH2"}} {
		for _, tok := range []string{token, "expired-token"} {
			s := testsmtp.Start(t, testsmtp.Options{Bearer: ok, BearerMechs: mechs})
			tg := target(s, smtpcheck.TLS, "")
			tg.Bearer = tok
			r := smtpcheck.Check(context.Background(), tg)
			wantOK := tok == token
			if r.OK() != wantOK {
				t.Fatalf("%v token %q: %s %q", mechs, tok, r.Status, r.Message)
			}
			if !wantOK && (r.Status != smtpcheck.StatusAuthFailed || strings.Contains(r.Message, tok)) {
				t.Errorf("%v: %s %q", mechs, r.Status, r.Message)
			}
			if !wantOK && mechs[0] == "XOAUTH2" && !strings.Contains(r.Message, "status 401") {
				t.Errorf("XOAUTH2 refusal lost the server's challenge: %q", r.Message)
			}
		}
	}
	s := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{user: pw}})
	tg := target(s, smtpcheck.TLS, "")
	tg.Bearer = token
	if r := smtpcheck.Check(context.Background(), tg); r.Status != smtpcheck.StatusAuthUnavailable || s.Logins() != 0 {
		t.Fatalf("password-only server: %s %q, %d logins", r.Status, r.Message, s.Logins())
	}
}
