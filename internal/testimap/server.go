// Package testimap starts real IMAP servers on 127.0.0.1 for tests and for
// the demo: an in-process go-imap server, a small scripted responder for
// misbehaving servers, a delaying TCP proxy and Dovecot. It does not import
// "testing", so that the demo can use it; test code passes a *testing.T or
// *testing.B as TB.
package testimap

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// TB is the part of testing.TB the helpers need.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Mode is how clients reach the server.
type Mode int

const (
	ImplicitTLS Mode = iota // TLS from the first byte (port 993 style)
	STARTTLS                // cleartext greeting, STARTTLS offered, login only after it
	Plain                   // cleartext, login allowed in the clear
)

// NOResponse is what a server answers to every login attempt.
type NOResponse struct {
	Code string // RFC 5530 code without brackets, e.g. "AUTHENTICATIONFAILED"; "" for none
	Text string
}

// Options configure a server. The zero value is an implicit-TLS server
// with no users.
type Options struct {
	Users map[string]string // username -> password
	Mode  Mode

	CA   *CA      // nil: DefaultCA
	Cert CertSpec // certificate to present; see CertSpec

	Delay time.Duration // added before every write of the server (a slow server)
	// Hold, when set, holds every write of the server until it is closed:
	// a server that answers only once the test says so, to order results
	// without a clock.
	Hold  <-chan struct{}
	Gauge *Gauge // optional: shared count of open connections across servers

	// Bearer, when set, makes the server take OAuth2 access tokens: it
	// offers AUTH=OAUTHBEARER and AUTH=XOAUTH2 (or only those named in
	// BearerMechs) beside PLAIN, and lets a user in whose token it accepts.
	Bearer      func(user, token string) bool
	BearerMechs []string

	// Misbehaviour. Any of these switches to the scripted responder (raw.go),
	// which speaks just enough IMAP for a login and supports ImplicitTLS and
	// Plain modes only.
	Silent        bool        // accept connections and never send a byte
	ByeGreeting   string      // greet with "* BYE <text>" and hang up
	LoginNO       *NOResponse // answer every LOGIN/AUTHENTICATE with this NO
	LoginDisabled bool        // cleartext, advertises LOGINDISABLED and no AUTH=
	NoStartTLS    bool        // cleartext, does not offer STARTTLS, accepts LOGIN
	// SlowLogout answers LOGOUT only after this long, and stops counting
	// the connection as open just before it answers: a client that waits
	// for the reply before it calls the connection gone sees exactly the
	// server's count.
	SlowLogout time.Duration
	// Hostile makes the scripted responder attack its client (hostile.go):
	// escape sequences in its words, or floods. It works in every Mode.
	Hostile Hostile
}

func (o Options) scripted() bool {
	return o.Hostile != "" || o.Silent || o.ByeGreeting != "" || o.LoginNO != nil || o.LoginDisabled || o.NoStartTLS ||
		o.SlowLogout > 0
}

// Server is a running test server.
type Server struct {
	opts  Options
	ca    *CA
	tls   *tls.Config
	ln    net.Listener
	imap  *imapserver.Server // nil for the scripted responder
	conns Gauge
	done  chan struct{}
	wg    sync.WaitGroup

	logins atomic.Int64

	mu       sync.Mutex
	users    map[string]string
	mailbox  map[string]*imapmemserver.User
	closed   bool
	rawConns map[net.Conn]struct{}
}

// Start starts a server and stops it when the test ends.
func Start(tb TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("testimap: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts a server on 127.0.0.1 with a port chosen by the OS. Call Close.
func New(opts Options) (*Server, error) {
	ca := opts.CA
	if ca == nil {
		var err error
		if ca, err = DefaultCA(); err != nil {
			return nil, err
		}
	}
	if opts.Hostile == HostileCert {
		opts.Cert = HostileCertSpec()
	}
	if opts.scripted() && opts.Mode == STARTTLS && opts.Hostile == "" {
		return nil, errors.New("the scripted responder does not do STARTTLS; use Mode ImplicitTLS or Plain")
	}
	cert, err := ca.Issue(opts.Cert)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{
		opts:     opts,
		ca:       ca,
		tls:      &tls.Config{Certificates: []tls.Certificate{cert}},
		done:     make(chan struct{}),
		users:    make(map[string]string),
		mailbox:  make(map[string]*imapmemserver.User),
		rawConns: make(map[net.Conn]struct{}),
	}
	s.ln = &wrapListener{Listener: ln, s: s}
	for u, p := range opts.Users {
		s.users[u] = p
	}
	if opts.scripted() {
		s.wg.Add(1)
		go s.serveScripted()
		return s, nil
	}
	var srvLn net.Listener = s.ln
	if opts.Mode == ImplicitTLS {
		srvLn = tls.NewListener(s.ln, s.tls)
	}
	srvOpts := &imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if s.opts.Bearer != nil {
				return &bearerSession{session{s: s, conn: c}}, nil, nil
			}
			return &session{s: s, conn: c}, nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger:       log.New(io.Discard, "", 0), // closed conns are normal in tests
		InsecureAuth: opts.Mode == Plain,
	}
	if opts.Mode == STARTTLS {
		srvOpts.TLSConfig = s.tls
	}
	s.imap = imapserver.New(srvOpts)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.imap.Serve(srvLn)
	}()
	return s, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the IP the server listens on.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the port the OS chose.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// RootCAs trusts the server's certificate.
func (s *Server) RootCAs() *x509.CertPool { return s.ca.Pool }

// SetPassword adds the user or changes the password; the next login sees it.
func (s *Server) SetPassword(user, pw string) {
	s.mu.Lock()
	s.users[user] = pw
	s.mu.Unlock()
}

// Logins counts LOGIN and AUTHENTICATE attempts, successful or not. With the
// go-imap server, attempts it refuses before asking the session (cleartext
// LOGIN on a STARTTLS server) are not counted; the scripted responder counts
// every one.
func (s *Server) Logins() int { return int(s.logins.Load()) }

// SawLogin reports whether any login was attempted.
func (s *Server) SawLogin() bool { return s.Logins() > 0 }

// MaxConns is the largest number of connections open at once.
func (s *Server) MaxConns() int { return s.conns.Max() }

// Conns is the number of connections accepted so far.
func (s *Server) Conns() int { return s.conns.Total() }

// Close stops the server and drops its connections.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for c := range s.rawConns {
		c.Close()
	}
	s.mu.Unlock()
	close(s.done)
	if s.imap != nil {
		_ = s.imap.Close()
	}
	_ = s.ln.Close()
	s.wg.Wait()
}

// verify checks a password and counts the attempt.
func (s *Server) verify(user, pw string) bool {
	s.logins.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	want, ok := s.users[user]
	return ok && want == pw
}

// session checks passwords against the Server's table, so SetPassword takes
// effect at once, then hands the mailbox work to imapmemserver.
type session struct {
	*imapmemserver.UserSession // nil until logged in
	s                          *Server
	conn                       *imapserver.Conn
}

func (sess *session) Login(username, password string) error {
	if !sess.s.verify(username, password) {
		return imapserver.ErrAuthFailed
	}
	sess.open(username)
	return nil
}

// open makes username's mailbox the session's.
func (sess *session) open(username string) {
	sess.s.mu.Lock()
	u := sess.s.mailbox[username]
	if u == nil {
		u = imapmemserver.NewUser(username, "")
		sess.s.mailbox[username] = u
	}
	sess.s.mu.Unlock()
	sess.UserSession = imapmemserver.NewUserSession(u)
}

func (sess *session) Close() error {
	if sess.UserSession == nil {
		return nil
	}
	return sess.UserSession.Close()
}

// Gauge counts open connections and remembers the peak.
type Gauge struct {
	mu              sync.Mutex
	cur, max, total int
}

func (g *Gauge) add(d int) {
	g.mu.Lock()
	g.cur += d
	if d > 0 {
		g.total++
	}
	g.max = max(g.max, g.cur)
	g.mu.Unlock()
}

// Max is the peak number of open connections.
func (g *Gauge) Max() int { g.mu.Lock(); defer g.mu.Unlock(); return g.max }

// Current is the number of open connections.
func (g *Gauge) Current() int { g.mu.Lock(); defer g.mu.Unlock(); return g.cur }

// Total is the number of connections ever opened.
func (g *Gauge) Total() int { g.mu.Lock(); defer g.mu.Unlock(); return g.total }

// wrapListener counts connections and slows writes, below any TLS layer
// so that go-imap still sees a *tls.Conn.
type wrapListener struct {
	net.Listener
	s *Server
}

func (l *wrapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.conns.add(1)
	if g := l.s.opts.Gauge; g != nil {
		g.add(1)
	}
	return &serverConn{Conn: c, s: l.s}, nil
}

type serverConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

func (c *serverConn) Write(p []byte) (int, error) {
	if h := c.s.opts.Hold; h != nil {
		select {
		case <-h:
		case <-c.s.done:
		}
	}
	if d := c.s.opts.Delay; d > 0 {
		select {
		case <-time.After(d):
		case <-c.s.done:
		}
	}
	return c.Conn.Write(p)
}

func (c *serverConn) Close() error {
	c.release()
	return c.Conn.Close()
}

// release stops counting the connection as open (once).
func (c *serverConn) release() {
	c.once.Do(func() {
		c.s.conns.add(-1)
		if g := c.s.opts.Gauge; g != nil {
			g.add(-1)
		}
	})
}
