// Package discover finds an address's IMAP and SMTP servers the way mail
// clients do (draft-ietf-mailmaint-autoconfig-06): the provider's
// autoconfig file, the ISPDB, the same through the domain's MX record,
// RFC 6186/8314 SRV records, and a built-in table of large providers.
//
// Every fetch and lookup has a timeout and a byte budget. A result that
// rests on unauthenticated DNS (MX, SRV) says so in Confirm: a person
// checks it before a password is sent there. Nothing is fetched over plain
// HTTP, and no result offers cleartext.
package discover

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Source says where a result came from.
type Source string

// Sources, in the order they are preferred.
const (
	SourceAutoconfig Source = "autoconfig" // https://autoconfig.DOMAIN/mail/config-v1.1.xml
	SourceWellKnown  Source = "well-known" // https://DOMAIN/.well-known/autoconfig/...
	SourceISPDB      Source = "ispdb"      // the central database
	SourceMX         Source = "mx"         // the three above, for the MX host's domain
	SourceSRV        Source = "srv"        // RFC 6186 / 8314 SRV records
	SourceBuiltin    Source = "builtin"    // the table in this package
)

// Auth is a way to log in.
type Auth string

const (
	AuthPassword Auth = "password" // a password (the account's, or an app password)
	AuthOAuth2   Auth = "oauth2"   // OAUTHBEARER / XOAUTH2 with a token
)

// Server is one discovered endpoint. Security is never vault.Insecure.
type Server struct {
	Host     string
	Port     int
	Security vault.Security
	Username string
}

// Addr is host:port.
func (s Server) Addr() string { return fmt.Sprintf("%s:%d", s.Host, s.Port) }

// OAuth2 is an autoconfig <oAuth2> block (or the built-in table's): what an
// OAuth2 login at the provider needs. Issuer is as the file gives it, which
// the draft writes as a host name ("login.example.com"), not a URL.
type OAuth2 struct {
	Issuer   string
	AuthURL  string
	TokenURL string
	Scopes   []string
	ClientID string
	// ClientSecret is the published "secret" of an open public client, if
	// the file names one. It is public by construction, but it is treated
	// like any client secret: never printed.
	ClientSecret string
}

// Result is what discovery found for one address.
type Result struct {
	Address string
	Source  Source
	// From names what answered: the URL fetched, or the DNS records read.
	From string
	// Confirm says the result rests on DNS, which nothing authenticates
	// (MX, SRV): a person must check the servers (Why says what to check)
	// before a password goes there.
	Confirm  bool
	Why      string
	Provider string // the provider's name, when known
	IMAP     Server
	SMTP     *Server // nil when none was found
	Auth     []Auth  // the IMAP server's ways to log in, preferred first
	OAuth    *OAuth2 // nil when none was found
	Hint     string  // one line for the person, e.g. "Gmail: use an app password or OAuth2"
	// Tried lists what was asked before this answer and why it gave none.
	Tried []Attempt
}

// Username is the IMAP login.
func (r *Result) Username() string { return r.IMAP.Username }

// HasAuth reports whether the IMAP server takes a.
func (r *Result) HasAuth(a Auth) bool { return hasAuth(r.Auth, a) }

// Attempt is one source that was asked and gave nothing usable.
type Attempt struct {
	Source Source
	What   string // the URL or the DNS name asked
	Err    error
}

func (a Attempt) String() string { return fmt.Sprintf("%s %s: %v", a.Source, a.What, a.Err) }

// ErrNotFound is wrapped by the error of a discovery that found nothing.
var ErrNotFound = errors.New("no mail servers found")

// ErrInvalidAddress is wrapped by the error for an address that is not one.
var ErrInvalidAddress = errors.New("not an e-mail address")

// NotFoundError is a discovery that found nothing; Tried says what was
// asked and why each gave no answer.
type NotFoundError struct {
	Address string
	Offline bool
	Tried   []Attempt
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %s", ErrNotFound, e.Address)
	if e.Offline {
		b.WriteString(" in the built-in table (offline)")
	}
	if len(e.Tried) > 0 {
		b.WriteString("; tried: ")
		for i, a := range e.Tried {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(a.String())
		}
	}
	return b.String()
}

func (e *NotFoundError) Unwrap() error { return ErrNotFound }

// Defaults for zero Options.
const (
	DefaultISPDB    = "https://v1.ispdb.net/"
	DefaultTimeout  = 8 * time.Second
	DefaultMaxBytes = 256 << 10
)

// Options tune a discovery. The zero value asks the system resolver and the
// public ISPDB, with the default limits.
type Options struct {
	// Resolver, HOST:PORT, receives every DNS question of discovery: MX,
	// SRV, and the A/AAAA of the hosts fetched from. Empty: the system's.
	Resolver string
	// ISPDB is the database's base URL (https); empty: DefaultISPDB.
	ISPDB string
	// Offline uses only the built-in table: no network at all.
	Offline bool
	// Timeout bounds each fetch and each lookup; 0: DefaultTimeout.
	Timeout time.Duration
	// MaxBytes bounds each answer's body; 0: DefaultMaxBytes.
	MaxBytes int64
	// RootCAs verifies the HTTPS servers; nil: the system roots, which
	// honour SSL_CERT_FILE and SSL_CERT_DIR.
	RootCAs *x509.CertPool

	// HTTPSPort is for tests only: the TCP port dialled for https URLs on
	// the default port 443, so that a test's HTTPS server on a high port
	// answers for autoconfig.DOMAIN. The URL, the Host header and the
	// certificate check stay those of the real URL. 0: 443.
	HTTPSPort int
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) ispdb() string {
	b := o.ISPDB
	if b == "" {
		b = DefaultISPDB
	}
	if !strings.HasSuffix(b, "/") {
		b += "/"
	}
	return b
}
