package posture

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// rawServer is a small IMAP or SMTP server written for these tests, so
// that it can have the STARTTLS injection flaw on purpose: when flawed,
// whatever the client pipelined after STARTTLS stays buffered and is read
// as if it had come inside TLS (the NO STARTTLS bug class). Otherwise it
// drops that input, as a correct server does. It never accepts a login
// before TLS (LOGINDISABLED; AUTH only inside TLS).
type rawServer struct {
	ln     net.Listener
	proto  Proto
	sec    vault.Security // TLS or STARTTLS
	tls    *tls.Config
	flawed bool

	conns    atomic.Int64
	injected atomic.Int64 // commands answered that came in before TLS
	logins   atomic.Int64 // LOGIN, AUTHENTICATE or AUTH commands received
	gauge    *gauge       // optional, shared across servers
	wg       sync.WaitGroup
}

// gauge counts connections open at once, across servers.
type gauge struct {
	mu        sync.Mutex
	cur, peak int
}

func (g *gauge) add(d int) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.cur += d
	g.peak = max(g.peak, g.cur)
	g.mu.Unlock()
}

func (g *gauge) max() int { g.mu.Lock(); defer g.mu.Unlock(); return g.peak }

func startRaw(t *testing.T, proto Proto, sec vault.Security, cfg *tls.Config, flawed bool) *rawServer {
	t.Helper()
	return startRawGauge(t, proto, sec, cfg, flawed, nil)
}

// startRawGauge is startRaw counting its connections into g.
func startRawGauge(t *testing.T, proto Proto, sec vault.Security, cfg *tls.Config, flawed bool, g *gauge) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, proto: proto, sec: sec, tls: cfg, flawed: flawed, gauge: g}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *rawServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *rawServer) endpoint() Endpoint {
	return Endpoint{Proto: s.proto, Host: "127.0.0.1", Port: s.port(), Security: s.sec, ImplicitPort: s.port()}
}

func (s *rawServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.conns.Add(1)
		s.gauge.add(1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.gauge.add(-1)
			defer c.Close()
			s.session(c)
		}()
	}
}

// session holds the connection's reader and writer, which STARTTLS
// replaces.
type session struct {
	s       *rawServer
	raw     net.Conn
	r       *bufio.Reader
	w       io.Writer
	tls     bool
	carried int // bytes read before TLS and served after it (flawed only)
}

func (s *rawServer) session(c net.Conn) {
	ss := &session{s: s, raw: c, r: bufio.NewReader(c), w: c}
	if s.sec == vault.TLS {
		tc := tls.Server(c, s.tls)
		if tc.Handshake() != nil {
			return
		}
		ss.r, ss.w, ss.tls = bufio.NewReader(tc), tc, true
	}
	if s.proto == SMTP {
		ss.smtp()
		return
	}
	ss.imap()
}

// upgrade runs the TLS handshake on the raw connection. The flawed server
// keeps what it had buffered in front of the TLS stream.
func (ss *session) upgrade() bool {
	var early []byte
	if n := ss.r.Buffered(); n > 0 {
		early, _ = ss.r.Peek(n)
		early = bytes.Clone(early)
	}
	tc := tls.Server(ss.raw, ss.s.tls)
	if tc.Handshake() != nil {
		return false
	}
	ss.w, ss.tls = tc, true
	if ss.s.flawed && len(early) > 0 {
		ss.carried = len(early)
		ss.r = bufio.NewReader(io.MultiReader(bytes.NewReader(early), tc))
		return true
	}
	ss.r = bufio.NewReader(tc)
	return true
}

// line reads a command, counting those that came in before TLS.
func (ss *session) line() (string, bool) {
	l, err := ss.r.ReadString('\n')
	if err != nil {
		return "", false
	}
	if ss.carried > 0 {
		ss.carried -= len(l)
		ss.s.injected.Add(1)
	}
	return strings.TrimRight(l, "\r\n"), true
}

func (ss *session) say(format string, args ...any) {
	fmt.Fprintf(ss.w, format+"\r\n", args...)
}

func (ss *session) imap() {
	caps := func() string {
		if ss.tls {
			return "IMAP4rev1 AUTH=PLAIN"
		}
		return "IMAP4rev1 STARTTLS LOGINDISABLED"
	}
	ss.say("* OK [CAPABILITY %s] raw test server", caps())
	for {
		l, ok := ss.line()
		if !ok {
			return
		}
		tag, cmd, _ := strings.Cut(l, " ")
		switch strings.ToUpper(strings.Fields(cmd + " x")[0]) {
		case "CAPABILITY":
			ss.say("* CAPABILITY %s", caps())
			ss.say("%s OK CAPABILITY completed", tag)
		case "NOOP":
			ss.say("%s OK NOOP completed", tag)
		case "STARTTLS":
			if ss.tls {
				ss.say("%s BAD already in TLS", tag)
				continue
			}
			ss.say("%s OK begin TLS", tag)
			if !ss.upgrade() {
				return
			}
		case "LOGIN", "AUTHENTICATE":
			ss.s.logins.Add(1)
			ss.say("%s NO not here", tag)
		case "LOGOUT":
			ss.say("* BYE bye")
			ss.say("%s OK LOGOUT completed", tag)
			return
		default:
			ss.say("%s BAD unknown command", tag)
		}
	}
}

func (ss *session) smtp() {
	ss.say("220 raw.test ESMTP raw test server")
	for {
		l, ok := ss.line()
		if !ok {
			return
		}
		switch strings.ToUpper(strings.Fields(l + " x")[0]) {
		case "EHLO":
			if ss.tls {
				ss.say("250-raw.test\r\n250 AUTH PLAIN")
			} else {
				ss.say("250-raw.test\r\n250 STARTTLS")
			}
		case "NOOP":
			ss.say("250 2.0.0 OK")
		case "STARTTLS":
			if ss.tls {
				ss.say("502 5.5.1 already in TLS")
				continue
			}
			ss.say("220 2.0.0 go ahead")
			if !ss.upgrade() {
				return
			}
		case "AUTH":
			ss.s.logins.Add(1)
			ss.say("535 5.7.8 not here")
		case "QUIT":
			ss.say("221 2.0.0 bye")
			return
		default:
			ss.say("502 5.5.2 unknown command")
		}
	}
}
