package posture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// Bounds on what one probe connection reads: an honest server sends a few
// KB (a greeting, capabilities, a certificate chain); a flooding one is cut
// off here.
const (
	readBudget = 256 << 10
	maxLine    = 8 << 10
	maxLines   = 200 // lines of one reply (capabilities, EHLO, untagged data)
)

// errBudget means the server sent more than a probe reads.
var errBudget = errors.New("server sent more than a probe reads (a broken or hostile server)")

// conn is one probe connection: a budget on what it reads, a line reader
// for the cleartext part, and the context's deadline on every operation.
type conn struct {
	raw     net.Conn
	bud     *budget
	br      *bufio.Reader
	stop    func() bool
	release func()
}

// dial opens a TCP connection to ep's host that closes when ctx ends.
func (p *Prober) dial(ctx context.Context, ep Endpoint, addr string) (*conn, error) {
	release := p.opened(ep.hostKey())
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		release()
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	c := &conn{raw: raw, bud: &budget{Conn: raw}, release: sync.OnceFunc(release)}
	c.bud.left.Store(readBudget)
	c.br = bufio.NewReaderSize(c.bud, 4096)
	c.stop = context.AfterFunc(ctx, func() { raw.Close() })
	return c, nil
}

func (c *conn) Close() {
	c.stop()
	c.raw.Close()
	c.release()
}

// write sends s in one write, so that pipelined commands leave in one
// segment, as an attacker injecting them would send them.
func (c *conn) write(s string) error {
	if _, err := io.WriteString(c.raw, s); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// line reads one line without its CRLF, at most maxLine bytes.
func (c *conn) line() (string, error) {
	var b []byte
	for {
		chunk, more, err := c.br.ReadLine()
		if err != nil {
			if c.bud.left.Load() <= 0 {
				return "", errBudget
			}
			if errors.Is(err, io.EOF) {
				return "", errors.New("server closed the connection")
			}
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > maxLine {
			return "", fmt.Errorf("server sent a line longer than %d bytes", maxLine)
		}
		if !more {
			return string(b), nil
		}
	}
}

// budget fails reads once the server has sent readBudget bytes.
type budget struct {
	net.Conn
	left atomic.Int64
}

func (b *budget) Read(p []byte) (int, error) {
	left := b.left.Load()
	if left <= 0 {
		return 0, errBudget
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.Conn.Read(p)
	b.left.Add(-int64(n))
	return n, err
}

// clip shortens a server's line for an error message; the caller's
// output sanitizes it.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
