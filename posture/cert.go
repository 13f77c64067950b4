package posture

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math"
	"strings"
	"time"
)

// certFindings judges the chain a server sent: the name, the path to a
// trusted root, the key and signatures, the dates. roots nil means the
// system roots.
func certFindings(r *Result, certs []*x509.Certificate, roots *x509.CertPool, now time.Time) {
	if len(certs) == 0 {
		return
	}
	ep := r.Endpoint
	leaf := certs[0]
	if err := leaf.VerifyHostname(ep.Host); err != nil {
		r.add(CertHostname, High, "the certificate of %s is for %s, not %s: clients refuse it or teach their users to click through; ask for a certificate that names %s",
			ep.Name(), certNames(leaf), ep.Host, ep.Host)
	}
	if !keyFindings(r, certs) {
		// A SHA-1 signature fails verification too; cert_key says why.
		chainFinding(r, certs, roots, now)
	}
	days := int(math.Floor(leaf.NotAfter.Sub(now).Hours() / 24))
	switch {
	case now.After(leaf.NotAfter):
		r.add(CertExpiring, Critical, "the certificate of %s expired on %s: ask the provider to renew it", ep.Name(), day(leaf.NotAfter))
	case days <= CertWarnDays:
		sev := Medium
		if days <= 7 {
			sev = High
		}
		r.add(CertExpiring, sev, "the certificate of %s expires in %d days (%s): ask the provider to renew it", ep.Name(), days, day(leaf.NotAfter))
	}
}

// chainFinding: the chain must lead to a trusted root through what the
// server sent. The name and the leaf's dates are left to their own
// findings: the time is now, moved inside the leaf's validity.
func chainFinding(r *Result, certs []*x509.Certificate, roots *x509.CertPool, now time.Time) {
	leaf := certs[0]
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	at := now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter.Add(-time.Second)
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore.Add(time.Second)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	var unknown x509.UnknownAuthorityError
	var insecure x509.InsecureAlgorithmError
	ep := r.Endpoint
	switch {
	case err == nil, errors.As(err, &insecure):
	case errors.As(err, &unknown):
		last := certs[len(certs)-1]
		if selfSigned(last) {
			r.add(CertChain, High, "the certificate of %s leads to %s, which this machine does not trust (self-signed or a private CA): trust that CA for the account ('imapvault edit NAME --ca-file ca.pem', or SSL_CERT_FILE) if it is yours, else ask for a publicly trusted certificate",
				ep.Name(), dn(last.Subject.String()))
			return
		}
		r.add(CertChain, High, "the chain %s sends is incomplete: no certificate of its issuer %s comes with it, so clients that do not fetch it refuse the server; configure the server to send the intermediate certificates",
			ep.Name(), dn(last.Issuer.String()))
	default:
		r.add(CertChain, High, "the certificate chain of %s does not verify: %s", ep.Name(), strings.TrimPrefix(err.Error(), "x509: "))
	}
}

// keyFindings: an RSA key under 2048 bits, or a SHA-1 (or MD5) signature
// on any certificate the server sent but a self-signed root (whose
// signature nobody checks). It reports whether a signature was weak.
func keyFindings(r *Result, certs []*x509.Certificate) bool {
	ep := r.Endpoint
	if k, ok := certs[0].PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		r.add(CertKey, Medium, "the certificate of %s has a %d-bit RSA key (under 2048 bits can be broken): ask for a new certificate with a 2048-bit RSA or an ECDSA key",
			ep.Name(), k.N.BitLen())
	}
	for i, c := range certs {
		if selfSigned(c) {
			continue
		}
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
			what := "the certificate of " + ep.Name()
			if i > 0 {
				what = "an intermediate certificate " + ep.Name() + " sends (" + dn(c.Subject.String()) + ")"
			}
			r.add(CertKey, Medium, "%s is signed with %s, which can be forged and which clients refuse: ask for one signed with SHA-256",
				what, c.SignatureAlgorithm)
			return true
		}
	}
	return false
}

func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	// CheckSignature, not CheckSignatureFrom: a self-signed leaf is no
	// CA. A SHA-1 self-signature is still one (Go just won't check it).
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

// certNames lists what the certificate is for.
func certNames(c *x509.Certificate) string {
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = []string{c.Subject.CommonName}
	}
	if len(names) == 0 {
		return "no name"
	}
	if len(names) > 5 {
		names = append(names[:5], "...")
	}
	return dn(strings.Join(names, ", "))
}

// dn bounds a certificate name for a message (the caller's output
// sanitizes it).
func dn(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
