package posture

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// maxWeakProbes bounds the handshakes that name a server's weak suites:
// each one offers the weak suites not yet seen, so a server that takes
// many is named by its first few and the connection count stays fixed.
const maxWeakProbes = 3

// errRefusedTLS wraps a failed TLS handshake: the server would not agree
// to what the probe offered.
var errRefusedTLS = errors.New("tls handshake refused")

// errDataBeforeTLS means the server sent bytes after accepting STARTTLS
// and before the handshake.
var errDataBeforeTLS = errors.New("server sent data after accepting STARTTLS")

// probeConfig offers what cfg says and checks no certificate: a probe
// sends no credential, and judges the certificate itself (cert.go), so
// that a bad one is reported rather than ending the probe.
func (p *Prober) probeConfig(ep Endpoint, min, max uint16, suites []uint16) *tls.Config {
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: min, MaxVersion: max, CipherSuites: suites}
	if net.ParseIP(ep.Host) == nil {
		cfg.ServerName = ep.Host
	}
	return cfg
}

// tlsSession is a probe connection brought to TLS.
type tlsSession struct {
	c     *conn
	tc    *tls.Conn
	br    *bufio.Reader
	caps  caps // before TLS, when there was a cleartext part
	state tls.ConnectionState
}

func (s *tlsSession) write(str string) error {
	if _, err := io.WriteString(s.tc, str); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

func (s *tlsSession) line() (string, error) {
	var b []byte
	for {
		chunk, more, err := s.br.ReadLine()
		if err != nil {
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

func (s *tlsSession) Close() {
	s.tc.Close() // close_notify, then the socket
	s.c.Close()
}

// openTLS dials ep, asks for STARTTLS when ep uses it (pipelining inject
// when set) and runs the TLS handshake with cfg. A handshake the server
// refuses wraps errRefusedTLS.
func (p *Prober) openTLS(ctx context.Context, ep Endpoint, d dialog, cfg *tls.Config, inject string) (*tlsSession, error) {
	c, err := p.dial(ctx, ep, ep.Addr())
	if err != nil {
		return nil, err
	}
	s := &tlsSession{c: c}
	if ep.security() == vault.STARTTLS {
		if s.caps, err = d.hello(c, true); err != nil {
			c.Close()
			return nil, err
		}
		if !s.caps.startTLS {
			c.Close()
			return nil, errors.New("server does not offer STARTTLS")
		}
		if err := d.startTLS(c, inject); err != nil {
			c.Close()
			return nil, err
		}
		if c.br.Buffered() > 0 {
			c.Close()
			return nil, errDataBeforeTLS
		}
	}
	// The handshake reads the budgeted conn itself; nothing is left in
	// the line reader (checked above).
	s.tc = tls.Client(c.bud, cfg)
	if err := s.tc.HandshakeContext(ctx); err != nil {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tls handshake: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: %s", errRefusedTLS, strings.TrimPrefix(err.Error(), "tls: "))
	}
	s.state = s.tc.ConnectionState()
	s.br = bufio.NewReaderSize(s.tc, 4096)
	return s, nil
}

// accepts reports whether the server completes a handshake with cfg, and
// its state then. Failures other than a refused handshake (unreachable,
// timeout) say nothing, and report false too.
func (p *Prober) accepts(ctx context.Context, ep Endpoint, d dialog, cfg *tls.Config) (tls.ConnectionState, bool) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	s, err := p.openTLS(ctx, ep, d, cfg, "")
	if err != nil {
		return tls.ConnectionState{}, false
	}
	s.Close()
	return s.state, true
}

// allSuites is every TLS 1.0-1.2 suite Go can speak, so that a version
// probe fails only for the version.
func allSuites() []uint16 {
	var ids []uint16
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if slices.ContainsFunc(cs.SupportedVersions, func(v uint16) bool { return v <= tls.VersionTLS12 }) {
			ids = append(ids, cs.ID)
		}
	}
	return ids
}

// weakSuites are Go's insecure suites and those with RSA key exchange
// (no forward secrecy). Listing them in Config.CipherSuites offers them
// whatever GODEBUG's tlsrsakex and tls3des say (those change defaults only).
func weakSuites() []uint16 {
	var ids []uint16
	for _, cs := range tls.InsecureCipherSuites() {
		ids = append(ids, cs.ID)
	}
	for _, cs := range tls.CipherSuites() {
		if strings.HasPrefix(cs.Name, "TLS_RSA_") && !slices.Contains(ids, cs.ID) {
			ids = append(ids, cs.ID)
		}
	}
	return ids
}

// suiteWeakness says in a few words what is wrong with a weak suite.
func suiteWeakness(id uint16) string {
	name := tls.CipherSuiteName(id)
	var why []string
	if strings.HasPrefix(name, "TLS_RSA_") {
		why = append(why, "no forward secrecy")
	}
	switch {
	case strings.Contains(name, "_RC4_"):
		why = append(why, "RC4 is broken")
	case strings.Contains(name, "_3DES_"):
		why = append(why, "3DES has 64-bit blocks (Sweet32)")
	case strings.Contains(name, "_CBC_SHA256"):
		why = append(why, "CBC with HMAC-SHA256 invites timing attacks (Lucky13)")
	}
	return name + " (" + strings.Join(why, ", ") + ")"
}

func versionName(v uint16) string { return tls.VersionName(v) }

// versionFindings: does the server complete a TLS 1.1 or 1.0 handshake?
// One probe offers both; a second one asks for 1.0 alone when the server
// took 1.1 (a server that refuses 1.1 refuses 1.0 too).
func (p *Prober) versionFindings(ctx context.Context, ep Endpoint, d dialog, r *Result) {
	st, ok := p.accepts(ctx, ep, d, p.probeConfig(ep, tls.VersionTLS10, tls.VersionTLS11, allSuites()))
	if !ok {
		return
	}
	got := []string{versionName(st.Version)}
	if st.Version == tls.VersionTLS11 {
		if _, ok := p.accepts(ctx, ep, d, p.probeConfig(ep, tls.VersionTLS10, tls.VersionTLS10, allSuites())); ok {
			got = append(got, versionName(tls.VersionTLS10))
		}
	}
	r.add(OldTLS, Medium, "%s completes a handshake at %s, retired by RFC 8996: configure the server for TLS 1.2 and 1.3 only (clients of this account may fall back to it)",
		ep.Name(), strings.Join(got, " and "))
}

// cipherFindings: does the server agree to a weak suite at TLS 1.2 or
// below? Each probe offers only the weak suites not yet seen.
func (p *Prober) cipherFindings(ctx context.Context, ep Endpoint, d dialog, r *Result) {
	offer := weakSuites()
	var got []string
	more := false
	for i := 0; len(offer) > 0; i++ {
		if i == maxWeakProbes {
			more = true
			break
		}
		st, ok := p.accepts(ctx, ep, d, p.probeConfig(ep, tls.VersionTLS10, tls.VersionTLS12, offer))
		if !ok || !slices.Contains(offer, st.CipherSuite) {
			break
		}
		got = append(got, suiteWeakness(st.CipherSuite))
		offer = slices.DeleteFunc(offer, func(id uint16) bool { return id == st.CipherSuite })
	}
	if len(got) == 0 {
		return
	}
	tail := ""
	if more {
		tail = " and maybe more"
	}
	r.add(WeakCipher, Medium, "%s accepts %s%s: allow only ECDHE suites with AES-GCM or ChaCha20-Poly1305",
		ep.Name(), strings.Join(got, ", "), tail)
}
