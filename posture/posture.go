// Package posture judges the path a credential travels: for each endpoint
// of an account (its IMAP server, its SMTP submission server) it looks for
// cleartext logins, old TLS versions, weak cipher suites, STARTTLS command
// injection, a missing implicit-TLS port and certificate trouble.
//
// It never logs in and never sends a credential: a probe reads greetings
// and capabilities, upgrades with STARTTLS, completes TLS handshakes and
// says goodbye. Probes are polite: a fixed handful of connections per
// endpoint, one at a time, each with a timeout and a read budget, the
// per-host limit honoured across endpoints, and every endpoint probed once
// per Prober however many accounts share it.
package posture

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Finding is one weakness of one endpoint, in the form the vault stores.
type Finding = vault.PostureFinding

// Finding kinds (exact names: the command line's contract).
const (
	CleartextAuth     = "cleartext_auth"     // login offered before TLS
	OldTLS            = "old_tls"            // TLS 1.0 or 1.1 accepted
	WeakCipher        = "weak_cipher"        // a suite without forward secrecy, or 3DES/RC4/CBC-SHA256
	StartTLSInjection = "starttls_injection" // a command pipelined with STARTTLS is answered inside TLS
	StartTLSOnly      = "starttls_only"      // STARTTLS account, implicit-TLS port closed
	CertHostname      = "cert_hostname"      // the certificate is for another name
	CertChain         = "cert_chain"         // the chain does not lead to a trusted root
	CertKey           = "cert_key"           // RSA under 2048 bits, or a SHA-1 signature
	CertExpiring      = "cert_expiring"      // expires within CertWarnDays, or expired
	BasicAuthSunset   = "basic_auth_sunset"  // a password account on Microsoft's servers
)

// Kinds lists every kind, in the order of the issue that named them.
var Kinds = []string{CleartextAuth, OldTLS, WeakCipher, StartTLSInjection, StartTLSOnly,
	CertHostname, CertChain, CertKey, CertExpiring, BasicAuthSunset}

// Severities, with the audit's names.
const (
	Critical = "critical"
	High     = "high"
	Medium   = "medium"
	Low      = "low"
)

// CertWarnDays is how soon an expiring certificate becomes a finding: the
// audit's threshold for the certificate seen at login.
const CertWarnDays = 21

// Proto is the protocol an endpoint speaks.
type Proto string

const (
	IMAP Proto = "imap"
	SMTP Proto = "smtp"
)

// Endpoint is one server a credential goes to.
type Endpoint struct {
	Proto    Proto
	Host     string
	Port     int            // 0: the default of Proto and Security
	Security vault.Security // "" is TLS
	// ImplicitPort is the implicit-TLS port looked at for starttls_only;
	// 0 means 993 for IMAP, 465 for SMTP.
	ImplicitPort int
	// CAFile is the account's private CA (vault.Account.CAFile), trusted
	// beside the roots when the chain is judged; "" is none.
	CAFile string
}

func (e Endpoint) security() vault.Security {
	if e.Security == "" {
		return vault.TLS
	}
	return e.Security
}

func (e Endpoint) port() int {
	switch {
	case e.Port != 0:
		return e.Port
	case e.Proto == SMTP:
		return vault.SMTPDefaultPort(e.security())
	}
	return e.security().DefaultPort()
}

func (e Endpoint) implicitPort() int {
	switch {
	case e.ImplicitPort != 0:
		return e.ImplicitPort
	case e.Proto == SMTP:
		return 465
	}
	return 993
}

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.port())) }

// Name is how findings name the endpoint: "imap host:port".
func (e Endpoint) Name() string { return string(e.Proto) + " " + e.Addr() }

// key is what the cache and the per-host limit know the endpoint by.
func (e Endpoint) key() string {
	return fmt.Sprintf("%s %s %s %d %s", e.Proto, e.security(), strings.ToLower(e.Addr()), e.implicitPort(), e.CAFile)
}

func (e Endpoint) hostKey() string { return strings.ToLower(e.Host) }

// Options tune a Prober. The zero value is usable.
type Options struct {
	Concurrency int           // endpoints probed at once; 0 means 8
	PerHost     int           // connections at once to one host; 0 means 4
	Timeout     time.Duration // per connection; 0 means 10s
	// TLSConfig may carry RootCAs (tests, the demo); nil means the system
	// roots, which honour SSL_CERT_FILE / SSL_CERT_DIR.
	TLSConfig *tls.Config
	Now       func() time.Time // nil: time.Now
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.PerHost <= 0 {
		o.PerHost = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Result is what probing one endpoint found.
type Result struct {
	Endpoint Endpoint
	Findings []Finding
	// Err is set when the endpoint could not be looked at (unreachable,
	// not the protocol, no STARTTLS): Findings are then empty and say
	// nothing about it.
	Err error
}

// maxMessage caps a finding's words, which carry a host and certificate
// names: every stored text has a cap.
const maxMessage = 1024

func (r *Result) add(kind, severity, format string, args ...any) {
	msg := strings.ToValidUTF8(fmt.Sprintf(format, args...), "?")
	if len(msg) > maxMessage {
		msg = strings.ToValidUTF8(msg[:maxMessage-3], "") + "..."
	}
	r.Findings = append(r.Findings, Finding{Kind: kind, Severity: severity,
		Endpoint: r.Endpoint.Name(), Message: msg})
}
