// Package testpanel holds in-process stand-ins for mail servers' admin APIs
// that cannot run here (Stalwart 0.16+, Zimbra/Carbonio, Mailu). Each one
// checks every request's shape as the product's own source and docs give
// it - method, path, content type, auth, body fields - records what does
// not fit in Problems (a test asserts it empty), answers as the product
// does, errors included, and hands an accepted password to Set (a real
// Dovecot, so that a rotation is proven by a real login).
package testpanel

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Panel is what every fake shares.
type Panel struct {
	URL string
	// Set makes an accepted password true (e.g. Dovecot's SetPassword); an
	// error is answered as the product answers a refused password.
	Set func(user, pw string) error

	mu       sync.Mutex
	problems []string
	seen     []string // "METHOD /path" or SOAP/JMAP method names, in order
	srv      *httptest.Server
}

func (p *Panel) start(h http.Handler) {
	p.srv = httptest.NewServer(h)
	p.URL = p.srv.URL
}

// Close stops the server.
func (p *Panel) Close() { p.srv.Close() }

// problem records a request that does not fit the product's API.
func (p *Panel) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

func (p *Panel) saw(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, what)
}

// Problems are the shape violations seen so far.
func (p *Panel) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

// Seen is what was called, in order.
func (p *Panel) Seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// mediaType is a Content-Type without parameters, lower case.
func mediaType(r *http.Request) string {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}
