package posture

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/internal/cafile"
	"github.com/imapvault/imapvault/vault"
)

func dialogFor(p Proto) dialog {
	if p == SMTP {
		return smtpDialog{}
	}
	return imapDialog{}
}

// probe looks at one endpoint, one connection at a time:
//  1. a clean session: what is offered before TLS, the certificate;
//  2. STARTTLS only: a command pipelined with STARTTLS, and whether the
//     implicit-TLS port answers at all;
//  3. TLS 1.1/1.0 (one or two handshakes), weak suites (at most
//     maxWeakProbes handshakes).
//
// At most 3+2+maxWeakProbes connections, whatever the server.
func (p *Prober) probe(ctx context.Context, ep Endpoint) Result {
	r := Result{Endpoint: ep}
	if ep.Proto != IMAP && ep.Proto != SMTP {
		r.Err = fmt.Errorf("unknown protocol %q", ep.Proto)
		return r
	}
	switch ep.security() {
	case vault.TLS, vault.STARTTLS, vault.Insecure:
	default:
		r.Err = fmt.Errorf("unknown security %q", ep.Security)
		return r
	}
	d := dialogFor(ep.Proto)
	if ep.security() == vault.Insecure {
		r.Err = p.cleartextSession(ctx, ep, d, &r)
		return r
	}
	roots, err := p.roots(ep)
	if err != nil {
		r.Err = err
		return r
	}
	certs, err := p.mainSession(ctx, ep, d, &r)
	if err != nil {
		r.Err = err
		return r
	}
	certFindings(&r, certs, roots, p.opts.Now())
	if ep.security() == vault.STARTTLS {
		p.injectionFinding(ctx, ep, d, &r)
		p.implicitFinding(ctx, ep, &r)
	}
	p.versionFindings(ctx, ep, d, &r)
	p.cipherFindings(ctx, ep, d, &r)
	return r
}

// roots judge ep's chain: the options' roots (nil: the system's) plus
// the account's CA file. A CA file that can't be read leaves the chain
// unjudged: an error, not a finding about the server.
func (p *Prober) roots(ep Endpoint) (*x509.CertPool, error) {
	var base *x509.CertPool
	if p.opts.TLSConfig != nil {
		base = p.opts.TLSConfig.RootCAs
	}
	if ep.CAFile == "" {
		return base, nil // nil: Verify uses the system roots
	}
	return cafile.Pool(base, ep.CAFile)
}

// mainSession is what a client of the account gets: the TLS handshake
// it would make (any version from 1.0, so the certificate is seen even
// where only old ones work), then a goodbye.
func (p *Prober) mainSession(ctx context.Context, ep Endpoint, d dialog, r *Result) ([]*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	s, err := p.openTLS(ctx, ep, d, p.probeConfig(ep, tls.VersionTLS10, 0, allSuites()), "")
	if err != nil {
		return nil, err
	}
	defer s.Close()
	cleartextFinding(r, s.caps)
	if _, err := d.bye(s, ep.security() == vault.TLS, nil); err != nil {
		return nil, err
	}
	return s.state.PeerCertificates, nil
}

// cleartextSession is the probe of an endpoint the account reaches in
// the clear: what it offers, then a goodbye.
func (p *Prober) cleartextSession(ctx context.Context, ep Endpoint, d dialog, r *Result) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	c, err := p.dial(ctx, ep, ep.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	cs, err := d.hello(c, true)
	if err != nil {
		return err
	}
	cleartextFinding(r, cs)
	_, err = d.bye(c, false, nil)
	return err
}

// cleartextFinding: before TLS the server offers a way to send the
// password in the clear. Nothing is tried: the offer is the finding.
func cleartextFinding(r *Result, cs caps) {
	if len(cs.cleartext) == 0 {
		return
	}
	ep := r.Endpoint
	todo := "make the server refuse logins before TLS (Dovecot: disable_plaintext_auth = yes; Postfix: smtpd_tls_auth_only = yes)"
	if ep.security() == vault.Insecure {
		todo = "switch the account to tls or starttls"
		if cs.startTLS {
			todo = "the server offers STARTTLS: switch the account to starttls"
		}
	}
	r.add(CleartextAuth, High, "%s offers %s before TLS, so a password can cross the network in the clear: %s",
		ep.Name(), strings.Join(cs.cleartext, ", "), todo)
}

// injectionFinding sends a command in the same write as STARTTLS, as an
// attacker on the path would (CVE-2011-0411 and its 2021 kin), then says
// goodbye inside TLS: an answer to the injected command before the
// goodbye's means the server kept cleartext input across the upgrade.
// A server that hangs up or answers in the clear is not vulnerable.
func (p *Prober) injectionFinding(ctx context.Context, ep Endpoint, d dialog, r *Result) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	inject, answers := d.injection()
	s, err := p.openTLS(ctx, ep, d, p.probeConfig(ep, tls.VersionTLS10, 0, allSuites()), inject)
	if err != nil {
		return
	}
	defer s.Close()
	answered, _ := d.bye(s, false, answers)
	if answered {
		r.add(StartTLSInjection, High, "%s answers inside TLS a command sent in the clear together with STARTTLS, so an attacker on the path can inject commands into the session (and steal a login): update the server software (NO STARTTLS, CVE-2011-0411)",
			ep.Name())
	}
}

// implicitFinding: a STARTTLS account whose server has no implicit-TLS
// port. A connection that opens is closed at once, before any byte.
func (p *Prober) implicitFinding(ctx context.Context, ep Endpoint, r *Result) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	imp := ep
	imp.Port = ep.implicitPort()
	c, err := p.dial(ctx, ep, imp.Addr())
	if err == nil {
		c.Close()
		return
	}
	r.add(StartTLSOnly, Low, "%s has no implicit-TLS port (%d is closed), so every session starts in the clear and depends on STARTTLS, which an attacker can strip: open port %d and switch the account to tls (RFC 8314)",
		ep.Name(), imp.Port, imp.Port)
}

// randomTag is a fresh IMAP tag of five capital letters, as testssl.sh
// uses, so no earlier reply can pass for the answer.
func randomTag() string {
	b := make([]byte, 5)
	rand.Read(b) // never fails (Go 1.24+)
	for i := range b {
		b[i] = 'A' + b[i]%26
	}
	return string(b)
}
