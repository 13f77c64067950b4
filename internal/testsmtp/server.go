// Package testsmtp starts SMTP submission servers for tests: go-smtp's
// server in process (honest, refusing, or hostile on purpose) and a real
// Postfix from a temporary directory (postfix.go).
package testsmtp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/imapvault/imapvault/internal/testimap"
)

// Mode is how the server protects its connections.
type Mode int

const (
	ImplicitTLS Mode = iota // TLS from the first byte (465)
	STARTTLS                // cleartext greeting, STARTTLS offered, AUTH only after it (587)
	Plain                   // cleartext; AUTH offered only with Options.InsecureAuth
)

// Options configure Start.
type Options struct {
	Users map[string]string // login -> password
	Mode  Mode
	// Senders limits the addresses a login may send as (login ->
	// addresses), like Postfix's reject_sender_login_mismatch; a login
	// absent here may send as anyone. Refused at RCPT TO with 553 5.7.1,
	// as Postfix does.
	Senders map[string][]string
	// InsecureAuth offers AUTH on a cleartext connection (Mode Plain).
	InsecureAuth bool
	// Bearer, when set, offers OAUTHBEARER and XOAUTH2 (BearerMechs
	// limits which) and accepts a token when it returns true.
	Bearer      func(user, token string) bool
	BearerMechs []string
	// Mechs replaces the AUTH list (e.g. {"LOGIN"}, {"CRAM-MD5"}); nil is
	// PLAIN, plus the bearer mechanisms.
	Mechs []string
	// AuthError, when set, answers every AUTH with this reply.
	AuthError *smtp.SMTPError
	// MailError / RcptError answer MAIL FROM / RCPT TO with this reply.
	MailError, RcptError *smtp.SMTPError
	// NoPipelining hides PIPELINING (the client then asks one at a time).
	NoPipelining bool
	Hostile      Hostile
	Delay        time.Duration // before every write of the server
	Cert         testimap.CertSpec
}

// Server is a go-smtp server on 127.0.0.1.
type Server struct {
	opts Options
	ca   *testimap.CA
	ln   net.Listener
	srv  *smtp.Server
	done chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	users    map[string]string
	commands []string // client lines seen in cleartext (AUTH lines reduced to the mechanism)
	conns    map[net.Conn]struct{}

	logins atomic.Int64 // AUTH attempts
	mails  atomic.Int64 // MAIL FROM accepted
	rcpts  atomic.Int64 // RCPT TO accepted
	datas  atomic.Int64 // DATA reached the backend
	resets atomic.Int64
}

// Start starts a server and stops it when the test ends.
func Start(tb testimap.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("testsmtp: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts a server. Call Close.
func New(opts Options) (*Server, error) {
	ca, err := testimap.DefaultCA()
	if err != nil {
		return nil, err
	}
	cert, err := ca.Issue(opts.Cert)
	if err != nil {
		return nil, err
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	base, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{opts: opts, ca: ca, done: make(chan struct{}), users: map[string]string{}, conns: map[net.Conn]struct{}{}}
	for u, p := range opts.Users {
		s.users[u] = p
	}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "testsmtp.invalid"
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.ReadTimeout = time.Minute
	s.srv.WriteTimeout = time.Minute
	switch opts.Mode {
	case ImplicitTLS:
		// The tamper layer sits above TLS here, so go-smtp does not see a
		// *tls.Conn: allow AUTH, since the connection is TLS all the same.
		s.ln = &tamperListener{Listener: tls.NewListener(&trackListener{base, s}, tlsConf), s: s}
		s.srv.AllowInsecureAuth = true
	case STARTTLS:
		s.ln = &tamperListener{Listener: &trackListener{base, s}, s: s}
		s.srv.TLSConfig = tlsConf
	default:
		s.ln = &tamperListener{Listener: &trackListener{base, s}, s: s}
		s.srv.AllowInsecureAuth = opts.InsecureAuth
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(s.ln)
	}()
	return s, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is where the server listens.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the server's port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// RootCAs trusts the server's certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.ca.Pool }

// SetPassword adds the user or changes the password.
func (s *Server) SetPassword(user, pw string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[user] = pw
}

// Logins is the number of AUTH attempts the server saw.
func (s *Server) Logins() int { return int(s.logins.Load()) }

// Mails and Rcpts count accepted MAIL FROM and RCPT TO; Datas counts DATA
// commands that reached the backend (a check must never send one); Resets
// counts RSETs.
func (s *Server) Mails() int  { return int(s.mails.Load()) }
func (s *Server) Rcpts() int  { return int(s.rcpts.Load()) }
func (s *Server) Datas() int  { return int(s.datas.Load()) }
func (s *Server) Resets() int { return int(s.resets.Load()) }

// Commands are the command words clients sent where the server could read
// them in cleartext (Mode ImplicitTLS and Plain: all; STARTTLS: up to the
// upgrade): "EHLO", "AUTH", "MAIL", "RCPT", "RSET", "QUIT", "DATA"...
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// Close stops the server and drops its connections.
func (s *Server) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.srv.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) verify(user, pw string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	want, ok := s.users[user]
	return ok && want == pw
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	user string
}

func (sess *session) AuthMechanisms() []string {
	o := sess.s.opts
	if o.Mechs != nil {
		return o.Mechs
	}
	mechs := []string{sasl.Plain}
	if o.Bearer != nil {
		mechs = []string{sasl.OAuthBearer, "XOAUTH2"}
		if o.BearerMechs != nil {
			mechs = o.BearerMechs
		}
	}
	return mechs
}

var errAuth = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Error: authentication failed"}

func (sess *session) Auth(mech string) (sasl.Server, error) {
	s := sess.s
	s.logins.Add(1)
	if e := s.opts.AuthError; e != nil {
		return nil, e
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pw string) error {
			if identity != "" && identity != user || !s.verify(user, pw) {
				return errAuth
			}
			sess.user = user
			return nil
		}), nil
	case sasl.Login:
		return &loginServer{check: func(user, pw string) error {
			if !s.verify(user, pw) {
				return errAuth
			}
			sess.user = user
			return nil
		}}, nil
	case sasl.OAuthBearer:
		return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if s.opts.Bearer == nil || !s.opts.Bearer(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			sess.user = o.Username
			return nil
		}), nil
	case "XOAUTH2":
		return &xoauth2Server{s: s, sess: sess}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (sess *session) Mail(from string, _ *smtp.MailOptions) error {
	if sess.user == "" {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	if e := sess.s.opts.MailError; e != nil {
		return e
	}
	sess.s.mails.Add(1)
	return nil
}

func (sess *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := sess.s.opts.RcptError; e != nil {
		return e
	}
	if allowed, ok := sess.s.opts.Senders[sess.user]; ok {
		found := false
		for _, a := range allowed {
			found = found || strings.EqualFold(a, to)
		}
		if !found {
			return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
				Message: fmt.Sprintf("<%s>: Sender address rejected: not owned by user %s", to, sess.user)}
		}
	}
	sess.s.rcpts.Add(1)
	return nil
}

// Data accepts whatever comes: a server that takes mail. A check must
// never get here; Datas counts it if one does.
func (sess *session) Data(r io.Reader) error {
	sess.s.datas.Add(1)
	_, err := io.Copy(io.Discard, r)
	return err
}

func (sess *session) Reset()        { sess.s.resets.Add(1) }
func (sess *session) Logout() error { return nil }

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login), which
// go-sasl has only a client for.
type loginServer struct {
	step  int
	user  string
	check func(user, pw string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(resp) > 0 { // an initial response is the username
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	case 3:
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, false, errors.New("unexpected LOGIN step")
}

// xoauth2Server answers "user=U\x01auth=Bearer T\x01\x01"; a refusal
// sends the JSON error challenge first, as Google does.
type xoauth2Server struct {
	s       *Server
	sess    *session
	refused bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.refused {
		return nil, true, errAuth
	}
	var user, token string
	for _, part := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(part, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(part, "auth=Bearer "); ok {
			token = v
		}
	}
	if x.s.opts.Bearer != nil && x.s.opts.Bearer(user, token) {
		x.sess.user = user
		return nil, true, nil
	}
	x.refused = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
}
