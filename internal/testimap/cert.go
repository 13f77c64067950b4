package testimap

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// CA is an in-memory certificate authority for test servers. Clients trust
// it through Pool; nothing is written outside test directories.
type CA struct {
	Cert *x509.Certificate
	Pool *x509.CertPool
	key  *ecdsa.PrivateKey
}

var (
	defaultCAOnce sync.Once
	defaultCA     *CA
	defaultCAErr  error
)

// DefaultCA is one CA shared by all servers of a process, so a client
// configured once trusts every test server.
func DefaultCA() (*CA, error) {
	defaultCAOnce.Do(func() { defaultCA, defaultCAErr = NewCA() })
	return defaultCA, defaultCAErr
}

// NewCA makes a fresh CA (ECDSA P-256: fast to make and to verify).
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate ca key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "imapvault test CA", Organization: []string{"imapvault tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create ca certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse ca certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, Pool: pool, key: key}, nil
}

// CertSpec says what server certificate to issue.
type CertSpec struct {
	// Hosts are DNS names or IPs; nil means 127.0.0.1, ::1 and localhost.
	Hosts []string
	// Days until NotAfter; 0 means 365. Negative gives an expired cert.
	Days int
	// CommonName and Organization override the subject (default: the
	// first host, "imapvault tests"); a hostile server puts escapes here.
	CommonName, Organization string
	// RSABits, when set, gives the server an RSA key of that size instead
	// of ECDSA P-256 (RSA key exchange needs one; 1024 is a weak key).
	RSABits int
}

// DefaultHosts are the names a test server answers to.
var DefaultHosts = []string{"127.0.0.1", "::1", "localhost"}

// Issue makes a server certificate signed by the CA.
func (ca *CA) Issue(spec CertSpec) (tls.Certificate, error) {
	certPEM, keyPEM, err := ca.IssuePEM(spec)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// IssuePEM is Issue for servers that read files (Dovecot): the chain
// (leaf, CA) and the key, PEM-encoded.
func (ca *CA) IssuePEM(spec CertSpec) (certPEM, keyPEM []byte, err error) {
	hosts := spec.Hosts
	if hosts == nil {
		hosts = DefaultHosts
	}
	days := spec.Days
	if days == 0 {
		days = 365
	}
	key, pub, err := serverKey(spec.RSABits)
	if err != nil {
		return nil, nil, fmt.Errorf("generate server key: %w", err)
	}
	now := time.Now()
	notAfter := now.Add(time.Duration(days)*24*time.Hour + time.Hour)
	notBefore := now.Add(-time.Hour)
	if days < 0 {
		notBefore = notAfter.Add(-365 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subject(spec, hosts[0]),
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if spec.RSABits > 0 {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment // RSA key exchange encrypts to it
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("create server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal server key: %w", err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})...)
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

// serverKey is an ECDSA P-256 key, or RSA of bits when bits > 0.
func serverKey(bits int) (crypto.Signer, crypto.PublicKey, error) {
	if bits > 0 {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return nil, nil, err
		}
		return k, &k.PublicKey, nil
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return k, &k.PublicKey, nil
}

// ClientConfig trusts only this CA.
func (ca *CA) ClientConfig() *tls.Config {
	return &tls.Config{RootCAs: ca.Pool}
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
}

func subject(spec CertSpec, host string) pkix.Name {
	n := pkix.Name{CommonName: host, Organization: []string{"imapvault tests"}}
	if spec.CommonName != "" {
		n.CommonName = spec.CommonName
	}
	if spec.Organization != "" {
		n.Organization = []string{spec.Organization}
	}
	return n
}
