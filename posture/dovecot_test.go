package posture

import (
	"context"
	"crypto/tls"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// Dovecot listens on 127.0.0.2 and the probes dial from 127.0.0.1: a
// connection whose two ends share an address counts as secure to Dovecot,
// which would hide the cleartext rules.
const dovecotAddr = "127.0.0.2"

// weakDovecot takes TLS 1.0, every cipher OpenSSL has at security level
// 0, and cleartext logins; its 1024-bit RSA key allows RSA key exchange.
func weakDovecot(t *testing.T) *testimap.Dovecot {
	return testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": "p"},
		Listen: dovecotAddr, MinProtocol: "TLSv1", CipherList: "ALL:@SECLEVEL=0", PlaintextAuth: true,
		Cert: testimap.CertSpec{RSABits: 1024}})
}

// strongDovecot is the test helper's usual one (TLS 1.2+, no cleartext
// login) with the AEAD suites of Mozilla's intermediate profile.
func strongDovecot(t *testing.T) *testimap.Dovecot {
	return testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": "p"},
		Listen:     dovecotAddr,
		CipherList: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"})
}

func dovecotEndpoints(d *testimap.Dovecot) []Endpoint {
	return []Endpoint{
		{Proto: IMAP, Host: d.Host(), Port: d.StartTLSPort(), Security: vault.STARTTLS, ImplicitPort: d.ImplicitPort()},
		{Proto: IMAP, Host: d.Host(), Port: d.ImplicitPort(), Security: vault.TLS},
	}
}

func testOptions(roots *tls.Config) Options {
	return Options{TLSConfig: roots, Timeout: 20 * time.Second}
}

func kindsOf(fs []Finding) []string {
	var ks []string
	for _, f := range fs {
		ks = append(ks, f.Kind)
	}
	slices.Sort(ks)
	return ks
}

func TestDovecotWeak(t *testing.T) {
	d := weakDovecot(t)
	p := New(testOptions(&tls.Config{RootCAs: d.RootCAs()}))
	rs := p.Probe(context.Background(), dovecotEndpoints(d))
	want := [][]string{
		{CertKey, CleartextAuth, OldTLS, WeakCipher},
		{CertKey, OldTLS, WeakCipher},
	}
	for i, r := range rs {
		if r.Err != nil {
			t.Fatalf("%s: %v\n%s", r.Endpoint.Name(), r.Err, d.Log())
		}
		if got := kindsOf(r.Findings); !slices.Equal(got, want[i]) {
			t.Errorf("%s: kinds %v, want %v\n%v", r.Endpoint.Name(), got, want[i], r.Findings)
		}
		for _, f := range r.Findings {
			if f.Endpoint != r.Endpoint.Name() || f.Message == "" || f.Severity == "" {
				t.Errorf("finding not filled in: %+v", f)
			}
			switch f.Kind {
			case OldTLS:
				if !strings.Contains(f.Message, "TLS 1.1 and TLS 1.0") {
					t.Errorf("old_tls names the versions: %s", f.Message)
				}
			case WeakCipher:
				if !strings.Contains(f.Message, "TLS_RSA_") || !strings.Contains(f.Message, "no forward secrecy") {
					t.Errorf("weak_cipher names an RSA key exchange suite: %s", f.Message)
				}
			case CleartextAuth:
				if f.Severity != High || !strings.Contains(f.Message, "LOGIN") {
					t.Errorf("cleartext_auth: %+v", f)
				}
			case CertKey:
				if !strings.Contains(f.Message, "1024-bit RSA") {
					t.Errorf("cert_key: %s", f.Message)
				}
			}
		}
	}
}

func TestDovecotStrong(t *testing.T) {
	d := strongDovecot(t)
	p := New(testOptions(&tls.Config{RootCAs: d.RootCAs()}))
	for _, r := range p.Probe(context.Background(), dovecotEndpoints(d)) {
		if r.Err != nil {
			t.Fatalf("%s: %v\n%s", r.Endpoint.Name(), r.Err, d.Log())
		}
		if len(r.Findings) != 0 {
			t.Errorf("%s: findings on a strong server: %v", r.Endpoint.Name(), r.Findings)
		}
	}
}
