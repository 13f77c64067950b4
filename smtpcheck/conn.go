package smtpcheck

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Bounds on what one check reads. An honest submission server sends a few
// KB (greeting, two EHLO replies, a certificate chain); the bounds keep a
// flooding one from costing memory or the whole timeout.
const (
	// ReadBudget is bytes read from the server, TLS records included.
	ReadBudget = 256 << 10
	// MaxReplyLines is lines in one reply ("250-..." continuations):
	// go-smtp's reader gathers a reply whole before returning it.
	MaxReplyLines = 100
	// MaxLine is bytes in one reply line (RFC 5321 says 512; go-smtp
	// allows 2000).
	MaxLine = 2000
)

// Caps on what a Result keeps.
const (
	maxText     = 1024
	maxGreeting = 512
	maxCertName = 512
	maxExt      = 32
	maxExtLen   = 128
)

var overBudget = fmt.Sprintf("server sent more than %d KiB; stopped reading (a broken or hostile server)", ReadBudget>>10)

// budgetConn fails every read once the server has sent ReadBudget bytes.
type budgetConn struct {
	net.Conn
	left     atomic.Int64
	exceeded atomic.Bool
}

func newBudgetConn(c net.Conn, budget int64) *budgetConn {
	b := &budgetConn{Conn: c}
	b.left.Store(budget)
	return b
}

func (b *budgetConn) Read(p []byte) (int, error) {
	left := b.left.Load()
	if left <= 0 {
		b.exceeded.Store(true)
		return 0, errors.New(overBudget)
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.Conn.Read(p)
	b.left.Add(-int64(n))
	return n, err
}

// replyConn sits under go-smtp (above TLS) and watches the replies: it
// fails reads once one reply runs past MaxReplyLines lines or a line past
// MaxLine bytes, and keeps the server's first line. It only sees what the
// server sends, never what we send (unlike go-smtp's DebugWriter, which
// would log AUTH).
type replyConn struct {
	net.Conn
	replay []byte // a greeting handed out before reading the conn

	mu       sync.Mutex
	line     []byte
	lineLen  int
	inReply  int
	first    string
	firstAt  time.Time
	lines    int
	exceeded atomic.Bool
	reason   string
}

func newReplyConn(c net.Conn, replay []byte) *replyConn {
	r := &replyConn{Conn: c, replay: replay}
	if replay != nil {
		r.lines = 1 // the real greeting was seen before STARTTLS
	}
	return r
}

func (r *replyConn) Read(p []byte) (int, error) {
	if len(r.replay) > 0 {
		n := copy(p, r.replay)
		r.replay = r.replay[n:]
		return n, nil
	}
	if r.exceeded.Load() {
		return 0, errors.New(r.why())
	}
	n, err := r.Conn.Read(p)
	if !r.observe(p[:n]) {
		return 0, errors.New(r.why())
	}
	return n, err
}

// observe follows the line structure of b; false once a bound is passed.
func (r *replyConn) observe(b []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range b {
		if ch != '\n' {
			r.lineLen++
			if r.lineLen > MaxLine+2 {
				return r.over(fmt.Sprintf("server sent a reply line longer than %d bytes; stopped reading", MaxLine))
			}
			if len(r.line) < maxGreeting+8 {
				r.line = append(r.line, ch)
			}
			continue
		}
		line := strings.TrimRight(string(r.line), "\r")
		r.line, r.lineLen = r.line[:0], 0
		r.lines++
		if r.lines == 1 {
			r.first, r.firstAt = line, time.Now()
		}
		if len(line) >= 4 && line[3] == '-' {
			r.inReply++
			if r.inReply >= MaxReplyLines {
				return r.over(fmt.Sprintf("server sent a reply of more than %d lines; stopped reading", MaxReplyLines))
			}
		} else {
			r.inReply = 0
		}
	}
	return true
}

func (r *replyConn) over(reason string) bool {
	r.reason = reason
	r.exceeded.Store(true)
	return false
}

func (r *replyConn) why() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason
}

func (r *replyConn) greeting() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

func (r *replyConn) firstLineAt() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.firstAt.IsZero() {
		return time.Now()
	}
	return r.firstAt
}

// capResult cuts every text of r to its cap.
func capResult(r *Result) {
	r.Message = cut(r.Message, maxText)
	r.Code = cut(r.Code, 32)
	r.Greeting = cut(r.Greeting, maxGreeting)
	if len(r.Extensions) > maxExt {
		r.Extensions = r.Extensions[:maxExt]
	}
	for i := range r.Extensions {
		r.Extensions[i] = cut(r.Extensions[i], maxExtLen)
	}
	if t := r.TLS; t != nil {
		t.Subject = cut(t.Subject, maxCertName)
		t.Issuer = cut(t.Issuer, maxCertName)
		t.VerifyError = cut(t.VerifyError, maxCertName)
	}
}

// cut returns at most max bytes of s, on a rune boundary, marked "...".
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max-3]
	for i := 0; i < 3 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return strings.Clone(s) + "..."
}
