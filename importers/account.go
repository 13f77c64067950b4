// Package importers reads IMAP accounts from where they already live: mail
// client configs (mbsync, aerc, mutt, offlineimap, himalaya, Thunderbird)
// and password-manager exports (KeePassXC, Bitwarden). Each format is one
// file with one Parse function from bytes to the same small Account record;
// password commands are only recorded here and run later, after the user
// agreed, by RunCommand.
package importers

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Account is one IMAP account as a source describes it.
type Account struct {
	Name     string         `json:"name"`
	Host     string         `json:"host"`
	Port     int            `json:"port"`
	Security vault.Security `json:"security"`
	Username string         `json:"username"`
	// Password is the literal password the source holds, if any.
	Password string `json:"password,omitempty"`
	// PassCmd is a shell command that prints the password (mbsync PassCmd,
	// aerc source-cred-cmd, himalaya auth.cmd, mutt backticks). It is run
	// only after the user agreed.
	PassCmd string `json:"pass_cmd,omitempty"`
	// OAuth2 marks an account the client logs in to with OAuth2.
	OAuth2 bool `json:"oauth2,omitempty"`
	// Mech is the SASL mechanism an OAuth2 account names (XOAUTH2,
	// OAUTHBEARER), and TokenCmd the command the client runs for its
	// token; import runs neither, doctor checks them.
	Mech     string `json:"mech,omitempty"`
	TokenCmd string `json:"token_cmd,omitempty"`
	// Note says why the password is missing, when it is and the reason is
	// not a command or OAuth2 (e.g. an offlineimap Python expression).
	Note string `json:"note,omitempty"`
	// Address is the e-mail address the source sends as, and SMTP its
	// submission server (same credential), when the source names them.
	Address string          `json:"address,omitempty"`
	SMTP    *vault.Endpoint `json:"smtp,omitempty"`
	// SendOnly marks the sending half of an account alone (an msmtp
	// account): SMTP is its server, Username its SMTP login, Host empty.
	// Plan joins it to the account it belongs to; it is never added alone.
	SendOnly bool `json:"send_only,omitempty"`
	// PassFile is a file whose first line is the password (offlineimap's
	// remotepassfile). Like PassCmd it is read only after the user agreed.
	PassFile string `json:"pass_file,omitempty"`
	// Where is "FILE:LINE" (or the entry) the account came from.
	Where string `json:"where"`
}

// Skip is an entry the source holds that is not an IMAP account we can use.
type Skip struct {
	Where string `json:"where"`
	Why   string `json:"why"`
}

// Result is what one source yields.
type Result struct {
	Accounts []Account `json:"accounts"`
	Skipped  []Skip    `json:"skipped,omitempty"`
}

// SyntaxError names the file and line of a malformed source. Its message
// never quotes the line's value, which may be a secret.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func synErr(file string, line int, format string, args ...any) error {
	return &SyntaxError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Kinds are the sources import understands, in the order help lists them.
var Kinds = []string{"csv", "mbsync", "aerc", "mutt", "offlineimap", "himalaya", "msmtp", "thunderbird", "keepassxc", "bitwarden"}

// ClientConfig is the client-config name that writes a config for a source,
// or "" for sources that are not mail clients.
func ClientConfig(kind string) string {
	switch kind {
	case "mbsync", "aerc", "offlineimap", "himalaya", "msmtp":
		return kind
	case "mutt":
		return "neomutt"
	}
	return ""
}

// finish fills default ports and sorts nothing: sources keep file order.
// It checks every account has what the vault needs and turns those that
// don't into skips.
func finish(r *Result) *Result {
	out := r.Accounts[:0]
	for _, a := range r.Accounts {
		a.Host = strings.TrimSpace(a.Host)
		a.Username = strings.TrimSpace(a.Username)
		if a.Security == "" {
			a.Security = vault.TLS
		}
		if a.SendOnly {
			if a, ok := finishSending(r, a); ok {
				out = append(out, a)
			}
			continue
		}
		if a.Port == 0 {
			a.Port = a.Security.DefaultPort()
		}
		switch {
		case a.Host == "":
			r.Skipped = append(r.Skipped, Skip{a.Where, fmt.Sprintf("account %q has no IMAP host", a.Name)})
			continue
		case a.Username == "":
			r.Skipped = append(r.Skipped, Skip{a.Where, fmt.Sprintf("account %q has no username", a.Name)})
			continue
		}
		if a.Name == "" {
			a.Name = a.Username + "@" + a.Host
		}
		out = append(out, a)
	}
	r.Accounts = out
	return r
}

// finishSending checks a sending half alone: it needs a server and a login.
func finishSending(r *Result, a Account) (Account, bool) {
	a.Host, a.Port, a.Security = "", 0, ""
	switch {
	case a.SMTP == nil || strings.TrimSpace(a.SMTP.Host) == "":
		r.Skipped = append(r.Skipped, Skip{a.Where, fmt.Sprintf("account %q has no SMTP host", a.Name)})
		return a, false
	case a.Username == "":
		r.Skipped = append(r.Skipped, Skip{a.Where, fmt.Sprintf("account %q has no user to log in as", a.Name)})
		return a, false
	}
	e := *a.SMTP
	e.Host = strings.TrimSpace(e.Host)
	if e.Security == "" {
		e.Security = vault.TLS
	}
	if e.Port == 0 {
		e.Port = vault.SMTPDefaultPort(e.Security)
	}
	a.SMTP = &e
	if a.Name == "" {
		a.Name = a.Username + "@" + e.Host
	}
	return a, true
}

// Key is how an imported account is matched against the vault: same host,
// port and username.
func Key(host string, port int, user string) string {
	return fmt.Sprintf("%s\x00%d\x00%s", strings.ToLower(host), port, user)
}
