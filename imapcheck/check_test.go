package imapcheck_test

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

const (
	user = "alice@example.test"
	pw   = "correct horse battery"
)

func target(s *testimap.Server, sec imapcheck.Security, password string) imapcheck.Target {
	return imapcheck.Target{
		Name: "acct", Host: s.Host(), Port: s.Port(), Security: sec,
		Username: user, Password: password,
		TLSConfig: &tls.Config{RootCAs: s.RootCAs()},
	}
}

// closedPort returns a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

type want struct {
	status   imapcheck.Status
	code     string
	message  string // substring of Message
	alert    string // substring of Alert
	noLogin  bool   // the server must not have seen LOGIN/AUTHENTICATE
	certErr  string // substring of TLS.VerifyError
	daysLeft int    // checked when non-zero
}

func TestCheckInProcess(t *testing.T) {
	users := map[string]string{user: pw}
	tests := []struct {
		name     string
		opts     testimap.Options
		security imapcheck.Security
		password string
		timeout  time.Duration
		want     want
	}{
		{"tls ok", testimap.Options{}, imapcheck.TLS, pw, 0, want{status: imapcheck.StatusOK, daysLeft: 365}},
		{"starttls ok", testimap.Options{Mode: testimap.STARTTLS}, imapcheck.STARTTLS, pw, 0, want{status: imapcheck.StatusOK}},
		{"insecure ok", testimap.Options{Mode: testimap.Plain}, imapcheck.Insecure, pw, 0, want{status: imapcheck.StatusOK}},
		{"slow server ok", testimap.Options{Delay: 20 * time.Millisecond}, imapcheck.TLS, pw, 0, want{status: imapcheck.StatusOK}},
		{"cert expiring soon", testimap.Options{Cert: testimap.CertSpec{Days: 5}}, imapcheck.TLS, pw, 0,
			want{status: imapcheck.StatusOK, daysLeft: 5}},
		{"wrong password tls", testimap.Options{}, imapcheck.TLS, "wrong", 0,
			want{status: imapcheck.StatusAuthFailed, code: "AUTHENTICATIONFAILED", message: "Authentication failed"}},
		{"wrong password starttls", testimap.Options{Mode: testimap.STARTTLS}, imapcheck.STARTTLS, "wrong", 0,
			want{status: imapcheck.StatusAuthFailed, code: "AUTHENTICATIONFAILED", message: "Authentication failed"}},
		{"silent server", testimap.Options{Silent: true}, imapcheck.TLS, pw, 300 * time.Millisecond,
			want{status: imapcheck.StatusTimeout, noLogin: true}},
		{"tls to cleartext port", testimap.Options{Mode: testimap.Plain}, imapcheck.TLS, pw, 0,
			want{status: imapcheck.StatusTLSError, message: "did not answer with TLS", noLogin: true}},
		{"starttls not offered", testimap.Options{NoStartTLS: true}, imapcheck.STARTTLS, pw, 0,
			want{status: imapcheck.StatusTLSError, message: "does not offer STARTTLS", noLogin: true}},
		{"expired cert", testimap.Options{Cert: testimap.CertSpec{Days: -3}}, imapcheck.TLS, pw, 0,
			want{status: imapcheck.StatusTLSError, message: "not after", certErr: "expired on", noLogin: true, daysLeft: -3}},
		{"expired cert starttls", testimap.Options{Mode: testimap.STARTTLS, Cert: testimap.CertSpec{Days: -3}}, imapcheck.STARTTLS, pw, 0,
			want{status: imapcheck.StatusTLSError, certErr: "expired on", noLogin: true}},
		{"wrong host cert", testimap.Options{Cert: testimap.CertSpec{Hosts: []string{"wrong.example"}}}, imapcheck.TLS, pw, 0,
			want{status: imapcheck.StatusTLSError, message: "wrong.example", certErr: "not 127.0.0.1", noLogin: true}},
		{"login disabled", testimap.Options{LoginDisabled: true}, imapcheck.Insecure, pw, 0,
			want{status: imapcheck.StatusLoginDisabled, message: "LOGINDISABLED", noLogin: true}},
		{"bye greeting", testimap.Options{ByeGreeting: "Too many connections from your IP"}, imapcheck.TLS, pw, 0,
			want{status: imapcheck.StatusUnreachable, message: "Too many connections", noLogin: true}},
		{"no authenticationfailed", testimap.Options{LoginNO: &testimap.NOResponse{Code: "AUTHENTICATIONFAILED", Text: "Invalid credentials (Failure)"}},
			imapcheck.TLS, pw, 0, want{status: imapcheck.StatusAuthFailed, code: "AUTHENTICATIONFAILED", message: "Invalid credentials (Failure)"}},
		{"no unavailable", testimap.Options{LoginNO: &testimap.NOResponse{Code: "UNAVAILABLE", Text: "Backend down"}},
			imapcheck.TLS, pw, 0, want{status: imapcheck.StatusUnreachable, code: "UNAVAILABLE", message: "Backend down"}},
		{"no privacyrequired", testimap.Options{Mode: testimap.Plain, LoginNO: &testimap.NOResponse{Code: "PRIVACYREQUIRED", Text: "Use TLS"}},
			imapcheck.Insecure, pw, 0, want{status: imapcheck.StatusInsecureRefused, code: "PRIVACYREQUIRED", message: "Use TLS"}},
		{"no contactadmin", testimap.Options{LoginNO: &testimap.NOResponse{Code: "CONTACTADMIN", Text: "Account locked"}},
			imapcheck.TLS, pw, 0, want{status: imapcheck.StatusAuthFailed, code: "CONTACTADMIN", message: "Account locked"}},
		{"no expired", testimap.Options{LoginNO: &testimap.NOResponse{Code: "EXPIRED", Text: "Password expired"}},
			imapcheck.TLS, pw, 0, want{status: imapcheck.StatusAuthFailed, code: "EXPIRED", message: "Password expired"}},
		{"no alert", testimap.Options{LoginNO: &testimap.NOResponse{Code: "ALERT", Text: "Please log in via your web browser"}},
			imapcheck.TLS, pw, 0, want{status: imapcheck.StatusAuthFailed, code: "ALERT", alert: "web browser"}},
		{"no without code", testimap.Options{LoginNO: &testimap.NOResponse{Text: "Login failed"}},
			imapcheck.TLS, pw, 0, want{status: imapcheck.StatusAuthFailed, message: "Login failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Users = users
			s := testimap.Start(t, tt.opts)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = testwait.Patience
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			r := imapcheck.Check(ctx, target(s, tt.security, tt.password))
			elapsed := time.Since(start)
			checkResult(t, r, tt.want)
			if tt.timeout != 0 && elapsed > timeout+overdue {
				t.Errorf("check took %v, timeout was %v", elapsed, timeout)
			}
			if tt.want.noLogin && s.SawLogin() {
				t.Errorf("server saw %d login attempts, want none", s.Logins())
			}
			if tt.want.status == imapcheck.StatusOK && !s.SawLogin() {
				t.Errorf("ok without a login at the server")
			}
		})
	}
}

func checkResult(t *testing.T, r imapcheck.Result, w want) {
	t.Helper()
	if r.Status != w.status {
		t.Fatalf("status = %q (%s), want %q", r.Status, r.Message, w.status)
	}
	if r.OK() != (w.status == imapcheck.StatusOK) {
		t.Errorf("OK() = %v for status %q", r.OK(), r.Status)
	}
	if r.Code != w.code {
		t.Errorf("code = %q, want %q", r.Code, w.code)
	}
	if !strings.Contains(r.Message, w.message) {
		t.Errorf("message = %q, want it to contain %q", r.Message, w.message)
	}
	if !strings.Contains(r.Alert, w.alert) {
		t.Errorf("alert = %q, want it to contain %q", r.Alert, w.alert)
	}
	if r.Name != "acct" || r.At.IsZero() || r.Timings.Total <= 0 {
		t.Errorf("name %q, at %v, total %v: want them set", r.Name, r.At, r.Timings.Total)
	}
	if w.status == imapcheck.StatusOK {
		if r.Message != "" {
			t.Errorf("message on success = %q, want empty", r.Message)
		}
		if r.Greeting == "" || len(r.Capabilities) == 0 {
			t.Errorf("greeting %q, capabilities %v: want both", r.Greeting, r.Capabilities)
		}
		if r.Timings.Login <= 0 || r.Timings.Connect <= 0 {
			t.Errorf("timings %+v: want connect and login", r.Timings)
		}
	}
	if w.certErr != "" {
		if r.TLS == nil {
			t.Fatalf("no TLS info for a refused certificate")
		}
		if !strings.Contains(r.TLS.VerifyError, w.certErr) {
			t.Errorf("verify error = %q, want it to contain %q", r.TLS.VerifyError, w.certErr)
		}
		if r.TLS.NotAfter.IsZero() || r.TLS.Subject == "" {
			t.Errorf("tls info %+v: want subject and not-after of the refused cert", r.TLS)
		}
	}
	if w.daysLeft != 0 {
		if r.TLS == nil {
			t.Fatalf("no TLS info")
		}
		if got := r.TLS.DaysLeft; got != w.daysLeft {
			t.Errorf("days left = %d, want %d", got, w.daysLeft)
		}
	}
}

func TestCheckClosedPort(t *testing.T) {
	for _, sec := range []imapcheck.Security{imapcheck.TLS, imapcheck.STARTTLS, imapcheck.Insecure} {
		t.Run(string(sec), func(t *testing.T) {
			tg := imapcheck.Target{Name: "acct", Host: "127.0.0.1", Port: closedPort(t), Security: sec, Username: user, Password: pw}
			ctx, cancel := context.WithTimeout(context.Background(), testwait.Patience)
			defer cancel()
			r := imapcheck.Check(ctx, tg)
			checkResult(t, r, want{status: imapcheck.StatusUnreachable, message: "refused"})
		})
	}
}

// overdue is how late past its deadline or cancel a check may return
// before the test calls it stuck: a check that ignored them would hang on
// a silent server, while a busy machine is late by seconds at most.
const overdue = time.Minute

func TestCheckCancelled(t *testing.T) {
	s := testimap.Start(t, testimap.Options{Silent: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	r := imapcheck.Check(ctx, target(s, imapcheck.TLS, pw))
	if r.Status != imapcheck.StatusTimeout || !strings.Contains(r.Message, "cancelled") {
		t.Errorf("got %q %q, want timeout saying cancelled", r.Status, r.Message)
	}
	if d := time.Since(start); d > overdue {
		t.Errorf("cancelled check took %v", d)
	}
}

func TestCheckBadTarget(t *testing.T) {
	tests := []struct {
		name string
		t    imapcheck.Target
		want imapcheck.Status
	}{
		{"no host", imapcheck.Target{Name: "acct", Password: "pw", Security: imapcheck.TLS}, imapcheck.StatusUnreachable},
		{"bad security", imapcheck.Target{Name: "acct", Password: "pw", Host: "127.0.0.1", Security: "ssl"}, imapcheck.StatusProtocolError},
		{"bad local addr", imapcheck.Target{Name: "acct", Password: "pw", Host: "127.0.0.1", Security: imapcheck.TLS, LocalAddr: "nope"}, imapcheck.StatusUnreachable},
		// Nothing to log in with: no server is asked (the host does not exist).
		{"no password", imapcheck.Target{Name: "acct", Host: "imap.invalid", Security: imapcheck.TLS}, imapcheck.StatusNoPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := imapcheck.Check(context.Background(), tt.t)
			if r.Status != tt.want || r.Message == "" {
				t.Errorf("got %q %q, want %q with a message", r.Status, r.Message, tt.want)
			}
		})
	}
}

// TestCheckSetPassword: the in-process server sees a new password at once,
// which rotation tests rely on.
func TestCheckSetPassword(t *testing.T) {
	s := testimap.Start(t, testimap.Options{Users: map[string]string{user: pw}})
	const newPW = "a new password"
	s.SetPassword(user, newPW)
	for _, c := range []struct {
		password string
		want     imapcheck.Status
	}{{pw, imapcheck.StatusAuthFailed}, {newPW, imapcheck.StatusOK}} {
		ctx, cancel := context.WithTimeout(context.Background(), testwait.Patience)
		r := imapcheck.Check(ctx, target(s, imapcheck.TLS, c.password))
		cancel()
		if r.Status != c.want {
			t.Errorf("password %q: %q (%s), want %q", c.password, r.Status, r.Message, c.want)
		}
	}
	if s.Logins() != 2 {
		t.Errorf("server counted %d logins, want 2", s.Logins())
	}
}

// TestWrongSecurityForPort: STARTTLS against an implicit-TLS port waits
// for a greeting that never comes; implicit TLS against a STARTTLS port
// gets a cleartext greeting as its handshake. Both say which setting fits.
func TestWrongSecurityForPort(t *testing.T) {
	for _, tc := range []struct {
		mode    testimap.Mode
		sec     imapcheck.Security
		timeout time.Duration // the greeting never comes: it ends the wait
		want    string
	}{
		{testimap.ImplicitTLS, imapcheck.STARTTLS, 2 * time.Second, "if this is an implicit-TLS port (993), set the account's security to tls"},
		{testimap.STARTTLS, imapcheck.TLS, testwait.Patience, "try security starttls"},
	} {
		s := testimap.Start(t, testimap.Options{Mode: tc.mode, Users: map[string]string{user: pw}})
		ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
		r := imapcheck.Check(ctx, target(s, tc.sec, pw))
		cancel()
		if r.OK() || !strings.Contains(r.Message, tc.want) {
			t.Errorf("%s against mode %d: %s %q, want %q", tc.sec, tc.mode, r.Status, r.Message, tc.want)
		}
	}
}

// TestUnknownAuthorityNamesTheWay: a private CA's certificate is refused
// with the way to trust it.
func TestUnknownAuthorityNamesTheWay(t *testing.T) {
	s := testimap.Start(t, testimap.Options{Users: map[string]string{user: pw}})
	tg := target(s, imapcheck.TLS, pw)
	tg.TLSConfig = nil // the system roots, which do not hold the test CA
	r := imapcheck.Check(context.Background(), tg)
	if r.Status != imapcheck.StatusTLSError || !strings.Contains(r.Message, "SSL_CERT_FILE") {
		t.Fatalf("%s %q", r.Status, r.Message)
	}
}
