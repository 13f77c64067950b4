package imapcheck

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// dial opens the TCP connection itself, so that ctx and LocalAddr apply.
func dial(ctx context.Context, t Target) (net.Conn, error) {
	var d net.Dialer
	if t.LocalAddr != "" {
		ip := net.ParseIP(t.LocalAddr)
		if ip == nil {
			return nil, fail(StatusUnreachable, "invalid local address %q", t.LocalAddr)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	conn, err := d.DialContext(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, dialFailure(t, err)
	}
	return conn, nil
}

func dialFailure(t Target, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return fail(StatusUnreachable, "cannot resolve host %s: %s", t.Host, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fail(StatusUnreachable, "connection to %s refused (nothing listens there?)", t.Addr())
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fail(StatusUnreachable, "no route to %s", t.Addr())
	}
	return fail(StatusUnreachable, "cannot connect to %s: %v", t.Addr(), err)
}

// maxLine bounds the lines we read ourselves before STARTTLS.
const maxLine = 8 << 10

// startTLS reads the cleartext greeting, makes sure the server offers
// STARTTLS and upgrades. We do this ourselves rather than through
// imapclient.NewStartTLS so that a server without STARTTLS gets a clear
// message before any command is sent, TLS is timed separately, and the
// greeting and alerts stay visible after the upgrade. It returns the TLS
// conn and a greeting line to replay to imapclient, which expects one.
func (c *checker) startTLS(ctx context.Context, raw net.Conn) (net.Conn, []byte, error) {
	c.phase = "greeting"
	t0 := time.Now()
	br := bufio.NewReaderSize(raw, 4096)
	line, err := readLine(br)
	c.r.Timings.Greeting = time.Since(t0)
	if err != nil {
		return nil, nil, err
	}
	c.r.Greeting = line
	kind, code, text := parseStatus(strings.TrimPrefix(line, "* "))
	switch {
	case !strings.HasPrefix(line, "* "):
		return nil, nil, fail(StatusProtocolError, "server did not greet like an IMAP server: %q", clip(line))
	case kind == "BYE":
		return nil, nil, fail(StatusUnreachable, "server refused the connection: %s", text)
	case kind == "PREAUTH":
		return nil, nil, fail(StatusProtocolError, "server sent PREAUTH before STARTTLS; refusing to go on")
	case kind != "OK":
		return nil, nil, fail(StatusProtocolError, "unexpected greeting: %q", clip(line))
	}

	c.phase = "capabilities"
	caps := capsIn(code)
	if caps == nil {
		if caps, err = rawCommand(raw, br, "C1 CAPABILITY"); err != nil {
			return nil, nil, err
		}
	}
	if !caps["STARTTLS"] {
		return nil, nil, fail(StatusTLSError, "server does not offer STARTTLS; password not sent (use security tls, or insecure if you must)")
	}

	c.phase = "starttls"
	if _, err := rawCommand(raw, br, "C2 STARTTLS"); err != nil {
		var f *failure
		if errors.As(err, &f) {
			f.status = StatusTLSError
			f.msg = "server refused STARTTLS: " + f.msg
		}
		return nil, nil, err
	}
	if br.Buffered() > 0 {
		// Bytes sent before the handshake could be injected by anyone on
		// the path (CVE-2011-0411 style); never let them reach the session.
		return nil, nil, fail(StatusProtocolError, "server sent data after accepting STARTTLS; refusing to go on")
	}
	c.phase = "tls handshake"
	conn, err := c.handshake(ctx, raw)
	if err != nil {
		return nil, nil, err
	}
	// Capabilities must be asked again after STARTTLS (RFC 9051 6.2.1): the
	// replayed greeting carries none.
	return conn, []byte("* OK " + text + "\r\n"), nil
}

// rawCommand sends one command before TLS and returns the capabilities seen
// in its answer. A tagged NO or BAD becomes a failure with the server's text.
func rawCommand(w io.Writer, br *bufio.Reader, cmd string) (map[string]bool, error) {
	if _, err := io.WriteString(w, cmd+"\r\n"); err != nil {
		return nil, fmt.Errorf("send %s: %w", strings.Fields(cmd)[1], err)
	}
	tag := strings.Fields(cmd)[0] + " "
	var caps map[string]bool
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(line, "* "); ok {
			if f := strings.Fields(rest); len(f) > 0 && strings.EqualFold(f[0], "CAPABILITY") {
				caps = capsIn("CAPABILITY " + strings.Join(f[1:], " "))
			}
			continue
		}
		rest, ok := strings.CutPrefix(line, tag)
		if !ok {
			return nil, fail(StatusProtocolError, "unexpected line from server: %q", clip(line))
		}
		kind, code, text := parseStatus(rest)
		if kind != "OK" {
			return nil, &failure{status: StatusProtocolError, code: codeName(code), msg: text}
		}
		if caps == nil {
			caps = capsIn(code)
		}
		return caps, nil
	}
}

func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", fail(StatusProtocolError, "server closed the connection")
			}
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxLine {
			return "", fail(StatusProtocolError, "server sent a line longer than %d bytes", maxLine)
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// parseStatus splits "OK [CODE args] text" into its parts.
func parseStatus(s string) (kind, code, text string) {
	kind, rest, _ := strings.Cut(s, " ")
	kind = strings.ToUpper(kind)
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			code, rest = rest[1:end], strings.TrimSpace(rest[end+1:])
		}
	}
	return kind, code, rest
}

func codeName(code string) string {
	name, _, _ := strings.Cut(code, " ")
	return strings.ToUpper(name)
}

// capsIn reads "CAPABILITY a b c" (a response code); nil if it is not one.
func capsIn(code string) map[string]bool {
	f := strings.Fields(code)
	if len(f) == 0 || !strings.EqualFold(f[0], "CAPABILITY") {
		return nil
	}
	caps := make(map[string]bool, len(f))
	for _, c := range f[1:] {
		caps[strings.ToUpper(c)] = true
	}
	return caps
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// recorder sits between imapclient and the conn and keeps the server's
// greeting and [ALERT] texts. It only looks at what the server sends, never
// at what we send, so the password cannot end up in it (unlike
// imapclient's DebugWriter).
type recorder struct {
	net.Conn
	replay []byte // a greeting to hand out before reading the conn

	mu     sync.Mutex
	line   []byte
	first  string
	lines  int
	alerts []string
}

func newRecorder(conn net.Conn, replay []byte) *recorder {
	r := &recorder{Conn: conn, replay: replay}
	if replay != nil {
		r.lines = 1 // the real greeting was recorded before STARTTLS
	}
	return r
}

func (r *recorder) Read(p []byte) (int, error) {
	if len(r.replay) > 0 {
		n := copy(p, r.replay)
		r.replay = r.replay[n:]
		return n, nil
	}
	n, err := r.Conn.Read(p)
	r.observe(p[:n])
	return n, err
}

func (r *recorder) observe(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(r.line) < maxLine {
				r.line = append(r.line, b...)
			}
			return
		}
		if len(r.line) < maxLine {
			r.line = append(r.line, b[:i]...)
		}
		r.endLine(strings.TrimRight(string(r.line), "\r"))
		r.line = r.line[:0]
		b = b[i+1:]
	}
}

func (r *recorder) endLine(line string) {
	r.lines++
	if r.lines == 1 {
		r.first = line
	}
	if i := strings.Index(strings.ToUpper(line), "[ALERT]"); i >= 0 && len(r.alerts) < 8 {
		r.alerts = append(r.alerts, strings.TrimSpace(line[i+len("[ALERT]"):]))
	}
}

func (r *recorder) greeting() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

func (r *recorder) alert() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.alerts, " ")
}
