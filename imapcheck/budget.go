package imapcheck

import (
	"net"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// ReadBudget is how many bytes one check reads from a server, TLS records
// included, from the greeting to the logout. An honest server sends a few
// KB; the budget keeps a flooding one (an endless [ALERT] stream, a literal
// announced as {999999999}, a 50 MB greeting) from costing memory or time.
const ReadBudget = 1 << 20

// Caps on what a Result keeps of the server's words, so a check costs the
// vault a few KB at most whatever the server sent.
const (
	maxText     = 1024 // Message, Alert
	maxGreeting = 512
	maxCertName = 512 // Subject, Issuer, VerifyError
	maxCaps     = 64  // capabilities kept
	maxCapLen   = 64
)

// budgetConn fails every read once the server has sent ReadBudget bytes.
// go-imap reads a literal into memory as it arrives (it does not allocate
// from the announced size), so cutting the conn off bounds its memory too.
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
		return 0, errOverBudget()
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.Conn.Read(p)
	b.left.Add(-int64(n))
	return n, err
}

func errOverBudget() error {
	return fail(StatusProtocolError, "server sent more than %d MiB before the login ended; stopped reading (a broken or hostile server)", ReadBudget>>20)
}

// capResult cuts every text of r to its cap.
func capResult(r *Result) {
	r.Message = cut(r.Message, maxText)
	r.Alert = cut(r.Alert, maxText)
	r.Code = cut(r.Code, maxCapLen)
	r.Greeting = cut(r.Greeting, maxGreeting)
	if len(r.Capabilities) > maxCaps {
		r.Capabilities = r.Capabilities[:maxCaps]
	}
	for i := range r.Capabilities {
		r.Capabilities[i] = cut(r.Capabilities[i], maxCapLen)
	}
	if t := r.TLS; t != nil {
		t.Subject = cut(t.Subject, maxCertName)
		t.Issuer = cut(t.Issuer, maxCertName)
		t.VerifyError = cut(t.VerifyError, maxCertName)
	}
}

// cut returns at most max bytes of s, on a rune boundary, marked with "..."
// when cut.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max-3]
	// Drop a rune the cut split in two (at most 3 bytes of it).
	for i := 0; i < 3 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return strings.Clone(s) + "..."
}
