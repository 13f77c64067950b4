package testsmtp

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"time"
)

// Hostile is a misbehaviour of the server towards its client, made by
// rewriting what go-smtp's server writes (the protocol underneath stays
// real). Options.Hostile switches it on.
type Hostile string

const (
	// HostileEndless answers EHLO with "250-" continuation lines that
	// never end (until the client hangs up, or 10 million lines).
	HostileEndless Hostile = "endless"
	// HostileDrip sends every reply one byte at a time, DripEvery apart.
	HostileDrip Hostile = "drip"
	// HostileHugeLine greets with one line of HugeSize bytes.
	HostileHugeLine Hostile = "huge-line"
	// HostileHugeReply greets with a reply of HugeSize bytes in "220-"
	// lines of 1 KB each, none of them too long.
	HostileHugeReply Hostile = "huge-reply"
	// HostileStripSTARTTLS removes STARTTLS from the EHLO reply, as an
	// attacker on the path does to downgrade a client.
	HostileStripSTARTTLS Hostile = "strip-starttls"
	// HostileEcho puts the client's last AUTH line into the refusal.
	HostileEcho Hostile = "echo"
)

// HugeSize is the size of HostileHugeLine's and HostileHugeReply's replies.
const HugeSize = 8 << 20

// DripEvery is HostileDrip's pause between bytes.
const DripEvery = 20 * time.Millisecond

type trackListener struct {
	net.Listener
	s *Server
}

func (l *trackListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	l.s.conns[c] = struct{}{}
	l.s.mu.Unlock()
	return c, nil
}

type tamperListener struct {
	net.Listener
	s *Server
}

func (l *tamperListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tamperConn{Conn: c, s: l.s}, nil
}

// tamperConn logs the client's command words and rewrites the server's
// replies as Options.Hostile says. After STARTTLS it steps aside: what
// passes then is TLS.
type tamperConn struct {
	net.Conn
	s *Server

	mu      sync.Mutex
	in      []byte
	writes  int
	tls     bool
	lastArg string
}

func (c *tamperConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if !c.tls {
		c.in = append(c.in, p[:n]...)
		for {
			i := bytes.IndexByte(c.in, '\n')
			if i < 0 {
				break
			}
			line := strings.TrimRight(string(c.in[:i]), "\r")
			c.in = c.in[i+1:]
			c.command(line)
		}
	}
	c.mu.Unlock()
	return n, err
}

func (c *tamperConn) command(line string) {
	word, rest, _ := strings.Cut(line, " ")
	word = strings.ToUpper(word)
	switch word {
	case "EHLO", "HELO", "AUTH", "MAIL", "RCPT", "RSET", "QUIT", "DATA", "STARTTLS", "NOOP", "VRFY", "BDAT":
	default:
		word = "(line)" // SASL responses, message text: not logged
	}
	if word == "AUTH" || word == "(line)" {
		c.lastArg = rest
		if word == "(line)" {
			c.lastArg = line
		}
	}
	c.s.mu.Lock()
	c.s.commands = append(c.s.commands, word)
	c.s.mu.Unlock()
}

func (c *tamperConn) Write(p []byte) (int, error) {
	if d := c.s.opts.Delay; d > 0 {
		select {
		case <-time.After(d):
		case <-c.s.done:
		}
	}
	c.mu.Lock()
	c.writes++
	first, tlsOn := c.writes == 1, c.tls
	if bytes.HasPrefix(p, []byte("220 2.0.0 Ready to start TLS")) {
		c.tls = true // from the next write on
	}
	echo := c.lastArg
	c.mu.Unlock()
	if tlsOn {
		return c.Conn.Write(p)
	}
	out := p
	switch c.s.opts.Hostile {
	case HostileEndless:
		if bytes.HasPrefix(p, []byte("250-")) {
			line := []byte("250-FLOOD 0123456789abcdef0123456789abcdef\r\n")
			for range 10_000_000 {
				if _, err := c.Conn.Write(line); err != nil {
					return 0, err
				}
			}
		}
	case HostileDrip:
		for i := range p {
			select {
			case <-time.After(DripEvery):
			case <-c.s.done:
				return i, net.ErrClosed
			}
			if _, err := c.Conn.Write(p[i : i+1]); err != nil {
				return i, err
			}
		}
		return len(p), nil
	case HostileHugeLine:
		if first {
			if _, err := c.Conn.Write(append([]byte("220 "), bytes.Repeat([]byte("x"), HugeSize)...)); err != nil {
				return 0, err
			}
		}
	case HostileHugeReply:
		if first {
			line := append(append([]byte("220-"), bytes.Repeat([]byte("y"), 990)...), '\r', '\n')
			for range HugeSize / len(line) {
				if _, err := c.Conn.Write(line); err != nil {
					return 0, err
				}
			}
		}
	case HostileStripSTARTTLS:
		out = bytes.ReplaceAll(p, []byte("250-STARTTLS\r\n"), nil)
	case HostileEcho:
		if bytes.HasPrefix(p, []byte("535")) {
			out = []byte("535 5.7.8 bad credentials: " + echo + "\r\n")
		}
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
