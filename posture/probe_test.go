package posture

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func probeOne(t *testing.T, ep Endpoint, roots *tls.Config) Result {
	t.Helper()
	r := New(testOptions(roots)).Probe(context.Background(), []Endpoint{ep})[0]
	if r.Err != nil {
		t.Fatalf("%s: %v", ep.Name(), r.Err)
	}
	return r
}

func TestStartTLSInjection(t *testing.T) {
	p := newPKI(t)
	for _, proto := range []Proto{IMAP, SMTP} {
		for _, flawed := range []bool{true, false} {
			name := string(proto) + map[bool]string{true: "/flawed", false: "/sound"}[flawed]
			t.Run(name, func(t *testing.T) {
				s := startRaw(t, proto, vault.STARTTLS, p.leaf(t, leafSpec{}), flawed)
				r := probeOne(t, s.endpoint(), &tls.Config{RootCAs: p.pool})
				var want []string
				if flawed {
					want = []string{StartTLSInjection}
				}
				if got := kindsOf(r.Findings); !slices.Equal(got, want) {
					t.Fatalf("kinds %v, want %v: %v", got, want, r.Findings)
				}
				// The server's own count: the flawed one really answered a
				// command that came in before TLS, the sound one none.
				if n := s.injected.Load(); (n > 0) != flawed {
					t.Errorf("server answered %d pipelined commands inside TLS", n)
				}
				if n := s.logins.Load(); n != 0 {
					t.Errorf("%d login attempts: a probe never logs in", n)
				}
				if flawed && r.Findings[0].Severity != High {
					t.Errorf("severity %s", r.Findings[0].Severity)
				}
			})
		}
	}
}

func TestStartTLSOnly(t *testing.T) {
	p := newPKI(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	for _, proto := range []Proto{IMAP, SMTP} {
		s := startRaw(t, proto, vault.STARTTLS, p.leaf(t, leafSpec{}), false)
		ep := s.endpoint()
		if r := probeOne(t, ep, &tls.Config{RootCAs: p.pool}); len(r.Findings) != 0 {
			t.Errorf("%s, implicit port open: %v", proto, r.Findings)
		}
		ep.ImplicitPort = closedPort
		r := probeOne(t, ep, &tls.Config{RootCAs: p.pool})
		if got := kindsOf(r.Findings); !slices.Equal(got, []string{StartTLSOnly}) || r.Findings[0].Severity != Low {
			t.Errorf("%s, implicit port closed: %v", proto, r.Findings)
		}
		// An implicit-TLS account is not asked about it.
		tlsSrv := startRaw(t, proto, vault.TLS, p.leaf(t, leafSpec{}), false)
		ep = tlsSrv.endpoint()
		ep.ImplicitPort = closedPort
		if r := probeOne(t, ep, &tls.Config{RootCAs: p.pool}); len(r.Findings) != 0 {
			t.Errorf("%s implicit TLS: %v", proto, r.Findings)
		}
	}
}

func TestCertificates(t *testing.T) {
	p := newPKI(t)
	for _, c := range []struct {
		name string
		spec leafSpec
		kind string // "" for none
		sev  string
		says string
	}{
		{"clean", leafSpec{}, "", "", ""},
		{"full chain", leafSpec{byInter: true, sendInter: true}, "", "", ""},
		{"hostname", leafSpec{names: []string{"mail.example.org"}}, CertHostname, High, "for mail.example.org, not 127.0.0.1"},
		{"incomplete chain", leafSpec{byInter: true}, CertChain, High, "incomplete"},
		{"untrusted", leafSpec{self: true}, CertChain, High, "does not trust"},
		{"rsa 1024", leafSpec{rsaBits: 1024}, CertKey, Medium, "1024-bit RSA"},
		{"sha1", leafSpec{sha1: true}, CertKey, Medium, "ECDSA-SHA1"},
		{"expires in 5 days", leafSpec{days: 5}, CertExpiring, High, "expires in 5 days"},
		{"expires in 15 days", leafSpec{days: 15}, CertExpiring, Medium, "expires in 15 days"},
		{"expires in 30 days", leafSpec{days: 30}, "", "", ""},
		{"expired", leafSpec{days: -3}, CertExpiring, Critical, "expired on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, sec := range []vault.Security{vault.TLS, vault.STARTTLS} {
				s := startRaw(t, IMAP, sec, p.leaf(t, c.spec), false)
				r := probeOne(t, s.endpoint(), &tls.Config{RootCAs: p.pool})
				if c.kind == "" {
					if len(r.Findings) != 0 {
						t.Errorf("%s: %v", sec, r.Findings)
					}
					continue
				}
				if len(r.Findings) != 1 {
					t.Fatalf("%s: want one %s finding, got %v", sec, c.kind, r.Findings)
				}
				f := r.Findings[0]
				if f.Kind != c.kind || f.Severity != c.sev || !strings.Contains(f.Message, c.says) {
					t.Errorf("%s: got %+v, want %s %s saying %q", sec, f, c.sev, c.kind, c.says)
				}
			}
		})
	}
}

// A sound server speaking TLS 1.2+ with Go's default suites gives no
// finding; the same server taking TLS 1.0 and RSA key exchange does.
func TestGoServerVersionsAndSuites(t *testing.T) {
	p := newPKI(t)
	weak := p.leaf(t, leafSpec{rsaBits: 2048})
	weak.MinVersion = tls.VersionTLS10
	weak.CipherSuites = []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	for _, proto := range []Proto{IMAP, SMTP} {
		s := startRaw(t, proto, vault.TLS, p.leaf(t, leafSpec{rsaBits: 2048}), false)
		if r := probeOne(t, s.endpoint(), &tls.Config{RootCAs: p.pool}); len(r.Findings) != 0 {
			t.Errorf("%s sound: %v", proto, r.Findings)
		}
		s = startRaw(t, proto, vault.TLS, weak, false)
		r := probeOne(t, s.endpoint(), &tls.Config{RootCAs: p.pool})
		if got := kindsOf(r.Findings); !slices.Equal(got, []string{OldTLS, WeakCipher}) {
			t.Fatalf("%s weak: %v", proto, r.Findings)
		}
		for _, f := range r.Findings {
			if f.Kind == WeakCipher && !strings.Contains(f.Message, "TLS_RSA_WITH_3DES_EDE_CBC_SHA (no forward secrecy, 3DES") {
				t.Errorf("weak_cipher: %s", f.Message)
			}
			if f.Kind == OldTLS && !strings.Contains(f.Message, "TLS 1.1 and TLS 1.0") {
				t.Errorf("old_tls: %s", f.Message)
			}
		}
	}
}

func TestProbeFailures(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	port := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	flood, _ := net.Listen("tcp", "127.0.0.1:0")
	defer flood.Close()
	go func() {
		for {
			c, err := flood.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.Write([]byte("* OK hi\r\n"))
				line := []byte("* " + strings.Repeat("x", 100) + "\r\n")
				for {
					if _, err := c.Write(line); err != nil {
						return
					}
				}
			}()
		}
	}()
	opts := Options{Timeout: 500 * time.Millisecond}
	for _, c := range []struct {
		name string
		ep   Endpoint
		says string
	}{
		{"refused", Endpoint{Proto: IMAP, Host: "127.0.0.1", Port: port, Security: vault.STARTTLS}, "cannot connect"},
		{"silent", Endpoint{Proto: IMAP, Host: "127.0.0.1", Port: silent.Addr().(*net.TCPAddr).Port, Security: vault.STARTTLS}, "greeting"},
		{"flood", Endpoint{Proto: IMAP, Host: "127.0.0.1", Port: flood.Addr().(*net.TCPAddr).Port, Security: vault.STARTTLS}, "too many lines"},
	} {
		r := New(opts).Probe(context.Background(), []Endpoint{c.ep})[0]
		if r.Err == nil || !strings.Contains(r.Err.Error(), c.says) || len(r.Findings) != 0 {
			t.Errorf("%s: err %v findings %v, want an error saying %q", c.name, r.Err, r.Findings, c.says)
		}
	}
}
