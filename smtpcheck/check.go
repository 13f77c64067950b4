// Package smtpcheck proves the sending half of an account: it logs in to
// the submission server and asks it to take a message from the account's
// address (MAIL FROM, RCPT TO), then resets and quits. It never sends DATA:
// a check sends no mail.
package smtpcheck

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/imapvault/imapvault/imapcheck"
)

// Security is how the connection is protected: imapcheck's words, SMTP's
// meanings (TLS implicit on 465, STARTTLS required on 587, never
// downgraded; Insecure only when the account says so).
type Security = imapcheck.Security

const (
	TLS      = imapcheck.TLS
	STARTTLS = imapcheck.STARTTLS
	Insecure = imapcheck.Insecure
)

// TLSInfo describes the TLS session and the server's certificate.
type TLSInfo = imapcheck.TLSInfo

// Status is the outcome of a check.
type Status string

const (
	StatusOK Status = "ok"
	// StatusAuthFailed: the server refused the credential (535 5.7.8).
	StatusAuthFailed Status = "auth_failed"
	// StatusSenderRefused: the login worked but may not send as the
	// account's address (553/550 5.7.1 at MAIL FROM or RCPT TO).
	StatusSenderRefused Status = "sender_refused"
	// StatusAuthUnavailable: no AUTH offered after TLS, or the mechanism
	// the credential needs is switched off (530 5.7.0 after TLS, 550
	// 5.7.30, 5.7.139: basic auth disabled).
	StatusAuthUnavailable Status = "auth_unavailable"
	StatusTLSError        Status = "tls_error"
	StatusUnreachable     Status = "unreachable"
	StatusTimeout         Status = "timeout"
	// StatusInsecureRefused: on a cleartext connection the server wants
	// TLS before AUTH (530 5.7.0, 538 5.7.11, or no AUTH offered).
	StatusInsecureRefused Status = "insecure_refused"
	StatusProtocolError   Status = "protocol_error"
)

// DefaultTimeout bounds a Check whose context has no deadline.
const DefaultTimeout = 30 * time.Second

// QuitGrace bounds how long a connection stays open after the result is
// out, waiting for the server to answer QUIT.
const QuitGrace = 5 * time.Second

// Target is one submission server to check.
type Target struct {
	Name     string
	Host     string
	Port     int // 0: 465 for TLS, 587 otherwise
	Security Security
	Username string
	Password string
	// Bearer is an OAuth2 access token: AUTH OAUTHBEARER (or XOAUTH2)
	// with it, and Password is unused.
	Bearer string
	// Address is MAIL FROM and RCPT TO. Empty: the check stops after AUTH
	// (and says so), since nothing can be asked about sending.
	Address string
	// TLSConfig is an optional base configuration (RootCAs for tests).
	// ServerName defaults to Host. InsecureSkipVerify is ignored.
	TLSConfig *tls.Config
	LocalAddr string // optional source IP
	// LocalName is the EHLO name; "" is "localhost".
	LocalName string
}

// Addr is host:port with the default port filled in.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.port())) }

func (t Target) port() int {
	switch {
	case t.Port != 0:
		return t.Port
	case t.Security == TLS:
		return 465
	}
	return 587
}

// imap is the target in imapcheck's terms, for the shared dial and TLS.
func (t Target) imap() imapcheck.Target {
	return imapcheck.Target{Name: t.Name, Host: t.Host, Port: t.port(), Security: t.Security,
		TLSConfig: t.TLSConfig, LocalAddr: t.LocalAddr}
}

// Timings says where the time of a check went.
type Timings struct {
	Connect, TLS, Greeting, Login, Envelope, Total time.Duration
}

// Result is the outcome of one check. No field ever holds the password.
type Result struct {
	Name    string
	Status  Status
	Code    string // the refusing reply's code, e.g. "535 5.7.8"
	Message string // the server's words, or what failed on our side
	// Greeting is the server's first line.
	Greeting string
	Timings  Timings
	TLS      *TLSInfo
	// Extensions are the EHLO keywords we care about, with parameters
	// ("AUTH PLAIN LOGIN", "PIPELINING", "SIZE 10240000").
	Extensions []string
	// Envelope says MAIL FROM and RCPT TO were asked and accepted.
	Envelope bool
	At       time.Time
}

// OK reports whether the server took the credential and the address.
func (r Result) OK() bool { return r.Status == StatusOK }

// failure is an error that knows its status.
type failure struct {
	status Status
	code   string
	msg    string
}

func (f *failure) Error() string { return f.msg }

func fail(status Status, format string, args ...any) error {
	return &failure{status: status, msg: fmt.Sprintf(format, args...)}
}

// Check logs in to the submission server, offers a message from Address
// to Address, resets and quits. It returns when ctx ends at the latest.
func Check(ctx context.Context, t Target) Result {
	c := &checker{t: t, start: time.Now(), phase: "connecting"}
	c.r.Name, c.r.At = t.Name, c.start
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
	phase string
	raw   *budgetConn
	conn  *replyConn // what go-smtp reads: line-counted, above TLS
}

func (t Target) validate() error {
	switch {
	case t.Host == "":
		return fail(StatusUnreachable, "no host given")
	case t.Port < 0 || t.Port > 65535:
		return fail(StatusUnreachable, "invalid port %d", t.Port)
	case strings.ContainsAny(t.Address, "\r\n<> \t\x00"):
		return fail(StatusProtocolError, "the address holds a space, line break or angle bracket; not sent")
	case strings.ContainsAny(t.LocalName, "\r\n \t\x00"):
		return fail(StatusProtocolError, "invalid EHLO name")
	}
	switch t.Security {
	case TLS, STARTTLS, Insecure:
		return nil
	}
	return fail(StatusProtocolError, "unknown security %q (want tls, starttls or insecure)", t.Security)
}

func (c *checker) run(ctx context.Context) error {
	if err := c.t.validate(); err != nil {
		return err
	}
	t0 := time.Now()
	tcp, err := imapcheck.Dial(ctx, c.t.imap())
	c.r.Timings.Connect = time.Since(t0)
	if err != nil {
		return shared(err)
	}
	// go-smtp reads without our context: closing the conn stops it.
	stop := context.AfterFunc(ctx, func() { tcp.Close() })
	defer stop()
	quitting := false // the conn was handed to finishQuit
	defer func() {
		if !quitting {
			tcp.Close()
		}
	}()
	c.raw = newBudgetConn(tcp, ReadBudget)

	var replay []byte
	var session net.Conn = c.raw
	switch c.t.Security {
	case TLS:
		c.phase = "tls handshake"
		if session, err = c.handshake(ctx, c.raw); err != nil {
			return err
		}
	case STARTTLS:
		if session, replay, err = c.startTLS(ctx); err != nil {
			return err
		}
	}
	c.conn = newReplyConn(session, replay)
	client := smtp.NewClient(c.conn) // never a DebugWriter: it would log AUTH
	if dl, ok := ctx.Deadline(); ok {
		client.CommandTimeout = max(time.Until(dl), time.Millisecond)
	}

	c.phase = "greeting"
	t1 := time.Now()
	err = client.Hello(c.localName())
	if replay == nil {
		c.r.Greeting = c.conn.greeting()
		c.r.Timings.Greeting = c.conn.firstLineAt().Sub(t1)
	}
	if err != nil {
		return c.helloFailure(err)
	}
	c.r.Extensions = extensions(client)

	c.phase = "login"
	t2 := time.Now()
	err = c.auth(client)
	c.r.Timings.Login = time.Since(t2)
	if err != nil {
		return c.politely(err, &quitting)
	}
	if c.t.Address == "" {
		c.r.Message = "logged in; the account has no address, so MAIL FROM and RCPT TO were not asked"
	} else {
		c.phase = "envelope"
		t3 := time.Now()
		err = c.envelope(client)
		c.r.Timings.Envelope = time.Since(t3)
		if err != nil {
			return c.politely(err, &quitting)
		}
		c.r.Envelope = true
	}
	c.phase = "quit"
	quitting = c.quit(tcp)
	return nil
}

// politely ends a session that failed with a verdict (a refusal, no
// usable AUTH) with QUIT in the background, so the server logs a clean
// end, not a lost connection. A broken or flooding session is just closed.
func (c *checker) politely(err error, quitting *bool) error {
	var f *failure
	if errors.As(err, &f) && f.status != StatusProtocolError && !c.raw.exceeded.Load() && !c.conn.exceeded.Load() {
		*quitting = c.quit(c.raw.Conn)
	}
	return err
}

func (c *checker) localName() string {
	if c.t.LocalName != "" {
		return c.t.LocalName
	}
	return "localhost"
}

// shared turns an imapcheck dial or TLS error into ours.
func shared(err error) error {
	if st, ok := imapcheck.ErrorStatus(err); ok {
		s := Status(st)
		if st == imapcheck.StatusProtocolError || st == imapcheck.StatusLoginDisabled {
			s = StatusProtocolError
		}
		return &failure{status: s, msg: err.Error()}
	}
	return err
}

// report fills Status, Code and Message from err.
func (c *checker) report(ctx context.Context, err error) {
	switch {
	case c.raw != nil && c.raw.exceeded.Load():
		c.r.Status, c.r.Message = StatusProtocolError, overBudget
		return
	case c.conn != nil && c.conn.exceeded.Load():
		c.r.Status, c.r.Message = StatusProtocolError, c.conn.why()
		return
	case ctx.Err() != nil:
		c.r.Status = StatusTimeout
		if errors.Is(ctx.Err(), context.Canceled) {
			c.r.Message = fmt.Sprintf("check cancelled during %s", c.phase)
		} else {
			c.r.Message = fmt.Sprintf("no answer during %s after %s", c.phase, time.Since(c.start).Round(time.Millisecond))
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

// scrub removes secret from every text the result carries: a server that
// echoes it must not leak it into the vault, the screen or JSON.
func scrub(r *Result, secret string) {
	if secret == "" {
		return
	}
	s := func(v *string) { *v = redact(*v, secret) }
	s(&r.Name)
	s(&r.Code)
	s(&r.Message)
	s(&r.Greeting)
	for i := range r.Extensions {
		s(&r.Extensions[i])
	}
	if r.TLS != nil {
		s(&r.TLS.Subject)
		s(&r.TLS.Issuer)
		s(&r.TLS.VerifyError)
	}
}

// redact replaces secret in text, and every word that is the base64 of
// something holding it: SASL sends the password base64-encoded (PLAIN,
// LOGIN, XOAUTH2), so that is the form an echoing server sends back.
func redact(text, secret string) string {
	text = strings.ReplaceAll(text, secret, "[redacted]")
	words := strings.Fields(text)
	changed := false
	for i, w := range words {
		trimmed := strings.Trim(w, "\"'<>()[],.;:")
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
			if dec, err := enc.DecodeString(trimmed); err == nil && strings.Contains(string(dec), secret) {
				words[i], changed = "[redacted]", true
				break
			}
		}
	}
	if !changed {
		return text
	}
	return strings.Join(words, " ")
}
