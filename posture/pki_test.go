package posture

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// pki is a root and an intermediate CA for certificate tests: the
// testimap CA signs leaves directly and cannot make the chains these
// tests need (an intermediate left out, SHA-1, a 1024-bit key).
type pki struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
	pool              *x509.CertPool // trusts root only
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{}
	p.rootKey = ecKey(t)
	p.root = p.sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "posture test root"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, nil, p.rootKey, 3650)
	p.interKey = ecKey(t)
	p.inter = p.sign(t, &x509.Certificate{Subject: pkix.Name{CommonName: "posture test intermediate"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, p.root, p.rootKey, p.interKey, 3650)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.root)
	return p
}

func ecKey(t *testing.T) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sign issues tmpl for key, valid for days (negative: expired), signed by
// parent (nil: self-signed).
func (p *pki) sign(t *testing.T, tmpl, parent *x509.Certificate, parentKey, key crypto.Signer, days int) *x509.Certificate {
	t.Helper()
	now := time.Now()
	tmpl.SerialNumber = big.NewInt(now.UnixNano())
	tmpl.NotBefore = now.Add(-500 * 24 * time.Hour) // before an expired leaf's
	tmpl.NotAfter = now.Add(time.Duration(days)*24*time.Hour + time.Hour)
	if days < 0 {
		tmpl.NotBefore = now.Add(-400 * 24 * time.Hour)
		tmpl.NotAfter = now.Add(time.Duration(days) * 24 * time.Hour)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// leafSpec says what server certificate to make.
type leafSpec struct {
	names     []string // default 127.0.0.1
	days      int      // default 365
	rsaBits   int      // 0: ECDSA P-256
	byInter   bool     // signed by the intermediate (else the root)
	sendInter bool     // the server sends the intermediate too
	self      bool     // self-signed
	sha1      bool     // signed with ECDSA-SHA1
}

func (p *pki) leaf(t *testing.T, s leafSpec) *tls.Config {
	t.Helper()
	var key crypto.Signer = ecKey(t)
	if s.rsaBits > 0 {
		k, err := rsa.GenerateKey(rand.Reader, s.rsaBits)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "posture test server"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if s.names == nil {
		s.names = []string{"127.0.0.1"}
	}
	for _, n := range s.names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if s.sha1 {
		tmpl.SignatureAlgorithm = x509.ECDSAWithSHA1
	}
	if s.days == 0 {
		s.days = 365
	}
	parent, parentKey := p.root, p.rootKey
	switch {
	case s.self:
		parent, parentKey = nil, nil
	case s.byInter:
		parent, parentKey = p.inter, p.interKey
	}
	c := p.sign(t, tmpl, parent, parentKey, key, s.days)
	chain := [][]byte{c.Raw}
	if s.sendInter {
		chain = append(chain, p.inter.Raw)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key, Leaf: c}}}
}
