// Package imapcheck logs in to IMAP servers to prove that a credential still
// works, and reports how the server looked while doing so (TLS, certificate,
// capabilities, timings). It never reads mail.
package imapcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// Security is how the connection to the server is protected.
type Security string

const (
	TLS      Security = "tls"      // implicit TLS (RFC 8314), port 993
	STARTTLS Security = "starttls" // cleartext greeting, then STARTTLS; port 143
	Insecure Security = "insecure" // cleartext all the way; only when the account says so
)

// Status is the outcome of a check.
type Status string

const (
	StatusOK              Status = "ok"
	StatusAuthFailed      Status = "auth_failed"
	StatusTLSError        Status = "tls_error"
	StatusUnreachable     Status = "unreachable"
	StatusTimeout         Status = "timeout"
	StatusLoginDisabled   Status = "login_disabled"
	StatusInsecureRefused Status = "insecure_refused"
	StatusProtocolError   Status = "protocol_error"
	// The two OAuth2 statuses are set by the caller, which refreshes the
	// token before the check: the token endpoint said invalid_grant
	// (revoked, expired, consent withdrawn), or failed otherwise.
	StatusTokenRevoked Status = "token_revoked"
	StatusTokenError   Status = "token_error"
	// StatusNoPassword: the account has no password (nor token) stored,
	// so there was nothing to log in with and no server was asked; a
	// failed login would blame a password that is simply missing.
	StatusNoPassword Status = "no_password"
)

// DefaultTimeout bounds a Check whose context has no deadline, so that a
// server that drips bytes forever cannot hang the caller.
const DefaultTimeout = 30 * time.Second

// Target is one account to check.
type Target struct {
	Name     string
	Host     string
	Port     int // 0: 993 for TLS, 143 otherwise
	Security Security
	Username string
	Password string
	// Bearer is an OAuth2 access token. When set, the login is AUTHENTICATE
	// OAUTHBEARER (or XOAUTH2) with it and Password is unused.
	Bearer string
	// TLSConfig is an optional base configuration (RootCAs for tests and the
	// demo). ServerName defaults to Host. InsecureSkipVerify is ignored.
	TLSConfig *tls.Config
	// LocalAddr is an optional source IP to dial from.
	LocalAddr string
}

// Addr is host:port with the default port filled in.
func (t Target) Addr() string {
	return net.JoinHostPort(t.Host, strconv.Itoa(t.port()))
}

func (t Target) port() int {
	switch {
	case t.Port != 0:
		return t.Port
	case t.Security == TLS:
		return 993
	default:
		return 143
	}
}

// Timings says where the time of a check went.
type Timings struct {
	Connect, TLS, Greeting, Login, Total time.Duration
}

// TLSInfo describes the TLS session and the server's certificate.
type TLSInfo struct {
	Version         string
	Subject, Issuer string
	NotAfter        time.Time
	DaysLeft        int
	VerifyError     string // why the certificate was refused; empty when trusted
}

// Result is the outcome of one check. No field ever holds the password.
type Result struct {
	Name    string
	Status  Status
	Code    string // RFC 5530 response code, e.g. AUTHENTICATIONFAILED
	Message string // the server's words, or what failed on our side
	Alert   string // text of an [ALERT] response, meant for the user
	// Greeting is the server's first line.
	Greeting     string
	Timings      Timings
	TLS          *TLSInfo
	Capabilities []string
	At           time.Time
}

// OK reports whether the login succeeded.
func (r Result) OK() bool { return r.Status == StatusOK }

// failure is an error that already knows how to be reported.
type failure struct {
	status Status
	code   string
	msg    string
}

func (f *failure) Error() string { return f.msg }

func fail(status Status, format string, args ...any) error {
	return &failure{status: status, msg: fmt.Sprintf(format, args...)}
}

// Check logs in to one account and logs out again. It returns when ctx ends
// at the latest: the connection is closed then, because go-imap has no
// context support of its own. Without a deadline on ctx, DefaultTimeout
// applies.
func Check(ctx context.Context, t Target) Result {
	c := &checker{t: t, start: time.Now(), phase: "connecting"}
	c.r.Name = t.Name
	c.r.At = c.start
	if t.Password == "" && t.Bearer == "" {
		c.r.Status = StatusNoPassword
		c.r.Message = "no password stored for this account"
		return c.r
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	err := c.run(ctx)
	c.r.Timings.Total = time.Since(c.start)
	if err != nil {
		c.report(ctx, err)
	} else {
		c.r.Status = StatusOK
	}
	scrub(&c.r, t.Password)
	scrub(&c.r, t.Bearer)
	capResult(&c.r)
	return c.r
}

type checker struct {
	t     Target
	r     Result
	start time.Time
	phase string // what we were doing, for timeout messages
	rec   *recorder
	conn  *budgetConn
	sasl  *saslConn
}

func (c *checker) run(ctx context.Context) error {
	if err := c.t.validate(); err != nil {
		return err
	}
	t0 := time.Now()
	raw, err := dial(ctx, c.t)
	c.r.Timings.Connect = time.Since(t0)
	if err != nil {
		return err
	}
	// go-imap blocks in reads without deadlines we control: closing the
	// conn is the only way to stop it when ctx ends. (Its own variable:
	// raw is reassigned below while this may run.)
	dialled := raw
	stop := context.AfterFunc(ctx, func() { dialled.Close() })
	defer stop()
	lingering := false // the conn was handed to finishLogout
	defer func() {
		if !lingering {
			raw.Close()
		}
	}()
	c.conn = newBudgetConn(raw, ReadBudget)
	raw = c.conn

	var conn net.Conn = raw
	var greeting []byte // replayed to imapclient after our own STARTTLS
	switch c.t.Security {
	case TLS:
		c.phase = "tls handshake"
		if conn, err = c.handshake(ctx, raw); err != nil {
			return err
		}
	case STARTTLS:
		if conn, greeting, err = c.startTLS(ctx, raw); err != nil {
			return err
		}
	}
	c.rec = newRecorder(conn, greeting)
	c.sasl = &saslConn{recorder: c.rec}
	client := imapclient.New(c.sasl, nil)
	defer func() {
		if !lingering {
			client.Close()
		}
	}()

	if greeting == nil {
		c.phase = "greeting"
		t1 := time.Now()
		err = client.WaitGreeting()
		c.r.Timings.Greeting = time.Since(t1)
		c.r.Greeting = c.rec.greeting()
		if err != nil {
			return greetingFailure(err)
		}
	}
	if client.State() == imap.ConnStateAuthenticated {
		return fail(StatusProtocolError, "server sent PREAUTH: it logged us in without checking the password")
	}

	c.phase = "capabilities"
	caps := client.Caps()
	c.r.Capabilities = capList(caps)
	if len(caps) == 0 {
		return fail(StatusProtocolError, "server sent no capabilities")
	}

	c.phase = "login"
	t2 := time.Now()
	err = c.login(client, caps)
	c.r.Timings.Login = time.Since(t2)
	c.r.Alert = c.rec.alert()
	if err != nil {
		return err
	}
	// Be polite: the server may log a dropped connection as an error. But
	// the login is proven already, so the result does not wait for the
	// server's reply (a round trip): the logout finishes on its own.
	c.phase = "logout"
	logout := client.Logout()
	lingering = true
	go finishLogout(logout, client, raw)
	return nil
}

// LogoutGrace bounds how long a check's connection may stay open after its
// result is out, waiting for the server to answer LOGOUT.
const LogoutGrace = 5 * time.Second

// finishLogout waits for the LOGOUT reply (at most LogoutGrace), then
// closes the connection.
func finishLogout(cmd *imapclient.Command, client *imapclient.Client, raw net.Conn) {
	t := time.AfterFunc(LogoutGrace, func() { raw.Close() })
	_ = cmd.Wait()
	t.Stop()
	client.Close()
	raw.Close()
}

func (t Target) validate() error {
	switch {
	case t.Host == "":
		return fail(StatusUnreachable, "no host given")
	case t.Port < 0 || t.Port > 65535:
		return fail(StatusUnreachable, "invalid port %d", t.Port)
	}
	switch t.Security {
	case TLS, STARTTLS, Insecure:
		return nil
	}
	return fail(StatusProtocolError, "unknown security %q (want tls, starttls or insecure)", t.Security)
}

// login prefers AUTHENTICATE PLAIN (one round trip with SASL-IR) and falls
// back to LOGIN; LOGINDISABLED stops it before the password is sent.
func (c *checker) login(client *imapclient.Client, caps imap.CapSet) error {
	if caps.Has(imap.CapID) {
		// Pipelined and not waited for: some providers want ID, nobody
		// needs its answer.
		client.ID(&imap.IDData{Name: "imapvault"})
	}
	if c.t.Bearer != "" {
		return c.bearerLogin(client, caps)
	}
	var err error
	switch {
	case caps.Has(imap.AuthCap(sasl.Plain)):
		err = client.Authenticate(sasl.NewPlainClient("", c.t.Username, c.t.Password))
	case caps.Has(imap.CapLoginDisabled):
		return fail(StatusLoginDisabled, "server disables login on this connection (LOGINDISABLED); password not sent")
	default:
		err = client.Login(c.t.Username, c.t.Password).Wait()
	}
	if err != nil {
		return loginFailure(err)
	}
	return nil
}

func capList(caps imap.CapSet) []string {
	list := make([]string, 0, len(caps))
	for c := range caps {
		list = append(list, string(c))
	}
	sort.Strings(list)
	return list
}

// report fills Status, Code and Message from err.
func (c *checker) report(ctx context.Context, err error) {
	if c.conn != nil && c.conn.exceeded.Load() {
		f := errOverBudget().(*failure)
		c.r.Status, c.r.Message = f.status, f.msg
		return
	}
	if ctx.Err() != nil {
		// Whatever broke, it broke because we closed the conn.
		c.r.Status = StatusTimeout
		if errors.Is(ctx.Err(), context.Canceled) {
			c.r.Message = fmt.Sprintf("check cancelled during %s", c.phase)
		} else {
			c.r.Message = fmt.Sprintf("no answer during %s after %s", c.phase, time.Since(c.start).Round(time.Millisecond))
			if c.phase == "greeting" && c.t.Security != TLS {
				// An implicit-TLS port waits for our TLS hello while we
				// wait for its greeting.
				c.r.Message += "; no greeting in cleartext: if this is an implicit-TLS port (993), set the account's security to tls"
			}
		}
		return
	}
	var f *failure
	if errors.As(err, &f) {
		c.r.Status, c.r.Code, c.r.Message = f.status, f.code, f.msg
		return
	}
	c.r.Status = StatusProtocolError
	c.r.Message = fmt.Sprintf("%s failed: %v", c.phase, err)
}

// scrub removes the password from every text the result carries. Servers
// are not supposed to echo it, but one that does must not leak it into the
// vault, the screen or JSON output.
func scrub(r *Result, password string) {
	if password == "" {
		return
	}
	s := func(v *string) { *v = strings.ReplaceAll(*v, password, "[redacted]") }
	s(&r.Name)
	s(&r.Code)
	s(&r.Message)
	s(&r.Alert)
	s(&r.Greeting)
	for i := range r.Capabilities {
		s(&r.Capabilities[i])
	}
	if r.TLS != nil {
		s(&r.TLS.Subject)
		s(&r.TLS.Issuer)
		s(&r.TLS.VerifyError)
	}
}
