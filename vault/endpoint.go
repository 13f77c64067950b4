package vault

import "fmt"

// Endpoint is a server other than the account's IMAP one (its SMTP
// submission server). Security means for SMTP: TLS implicit (465),
// STARTTLS required (587, never downgraded), Insecure only when said.
type Endpoint struct {
	Host     string   `json:"host"`
	Port     int      `json:"port"`
	Security Security `json:"security"`
	// Username is the endpoint's login when it differs from the account's
	// IMAP username; empty means the same.
	Username string `json:"username,omitempty"`
}

// SMTPDefaultPort is the submission port for a security: 465 for implicit
// TLS (RFC 8314), 587 otherwise.
func SMTPDefaultPort(s Security) int {
	if s == TLS || s == "" {
		return 465
	}
	return 587
}

// Addr is host:port of the endpoint.
func (e *Endpoint) Addr() string { return fmt.Sprintf("%s:%d", e.Host, e.PortOrDefault()) }

// SecurityOrDefault is the endpoint's security, TLS when none is set.
func (e *Endpoint) SecurityOrDefault() Security {
	if e.Security == "" {
		return TLS
	}
	return e.Security
}

// PortOrDefault is the endpoint's port, its security's submission default
// when none is set.
func (e *Endpoint) PortOrDefault() int {
	if e.Port == 0 {
		return SMTPDefaultPort(e.SecurityOrDefault())
	}
	return e.Port
}

// SMTPUsername is the login for the account's SMTP endpoint: its own when
// set, else the IMAP username. Empty when the account has no endpoint.
func (a *Account) SMTPUsername() string {
	switch {
	case a.SMTP == nil:
		return ""
	case a.SMTP.Username != "":
		return a.SMTP.Username
	}
	return a.Username
}
