package imapcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strings"
	"time"
)

// handshake runs the TLS client handshake on conn with full verification.
//
// The certificate is read in VerifyConnection when it is trusted. When Go's
// verification refuses it (expired, wrong host, unknown issuer), VerifyConnection
// is never called; the refused chain then comes with the
// tls.CertificateVerificationError, so the user still sees the certificate's
// subject and dates, and we never need InsecureSkipVerify.
func (c *checker) handshake(ctx context.Context, conn net.Conn) (*tls.Conn, error) {
	cfg := &tls.Config{}
	if c.t.TLSConfig != nil {
		cfg = c.t.TLSConfig.Clone()
	}
	cfg.InsecureSkipVerify = false
	if cfg.ServerName == "" {
		cfg.ServerName = c.t.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	base := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) > 0 {
			c.r.TLS = certInfo(cs.PeerCertificates[0], time.Now())
			c.r.TLS.Version = tls.VersionName(cs.Version)
		}
		if base != nil {
			return base(cs)
		}
		return nil
	}

	t0 := time.Now()
	tc := tls.Client(conn, cfg)
	err := tc.HandshakeContext(ctx)
	c.r.Timings.TLS = time.Since(t0)
	if err != nil {
		return nil, c.tlsFailure(err)
	}
	return tc, nil
}

func certInfo(cert *x509.Certificate, now time.Time) *TLSInfo {
	return &TLSInfo{
		Subject:  cert.Subject.String(),
		Issuer:   cert.Issuer.String(),
		NotAfter: cert.NotAfter,
		DaysLeft: int(math.Floor(cert.NotAfter.Sub(now).Hours() / 24)),
	}
}

func (c *checker) tlsFailure(err error) error {
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) && len(verr.UnverifiedCertificates) > 0 {
		cert := verr.UnverifiedCertificates[0]
		info := certInfo(cert, time.Now())
		info.VerifyError = verifyReason(verr.Err, cert)
		c.r.TLS = info
		return fail(StatusTLSError, "certificate of %s refused: %s (subject %s, issuer %s, not after %s)",
			c.t.Host, info.VerifyError, info.Subject, info.Issuer, cert.NotAfter.UTC().Format(time.DateOnly))
	}
	var rhe tls.RecordHeaderError
	switch {
	case errors.As(err, &rhe):
		return fail(StatusTLSError, "server did not answer with TLS (a cleartext or STARTTLS port? try security starttls)")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fail(StatusTLSError, "server closed the connection during the TLS handshake")
	}
	return fail(StatusTLSError, "tls handshake failed: %s", strings.TrimPrefix(err.Error(), "tls: "))
}

// verifyReason says in a few words why a certificate was refused.
func verifyReason(err error, cert *x509.Certificate) string {
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		if time.Now().Before(cert.NotBefore) {
			return fmt.Sprintf("certificate not valid before %s", cert.NotBefore.UTC().Format(time.DateOnly))
		}
		return fmt.Sprintf("certificate expired on %s", cert.NotAfter.UTC().Format(time.DateOnly))
	case errors.As(err, &host):
		names := append([]string{}, cert.DNSNames...)
		for _, ip := range cert.IPAddresses {
			names = append(names, ip.String())
		}
		if len(names) == 0 {
			names = []string{cert.Subject.CommonName}
		}
		return fmt.Sprintf("certificate is for %s, not %s", strings.Join(names, ", "), host.Host)
	case errors.As(err, &unknown):
		return "certificate signed by an unknown authority (a private CA? trust it for the account with 'imapvault edit NAME --ca-file ca.pem', or for every account with SSL_CERT_FILE=/path/to/ca.pem or SSL_CERT_DIR)"
	}
	return strings.TrimPrefix(err.Error(), "x509: ")
}
