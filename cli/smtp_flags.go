package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// smtpHelp is the part of add's and edit's help about the sending half.
const smtpHelp = `--address is the account's e-mail address: the From its clients use and
the sender and recipient of the SMTP check. --smtp-host names its submission
server; check then proves SMTP too (AUTH, MAIL FROM, RCPT TO, never a
message), with the account's password or token. --smtp-security is tls
(implicit, port 465; the default) or starttls (587; a server without STARTTLS
is refused, never downgraded) or insecure; --smtp-port 587 alone means
starttls. --smtp-user is the login when it differs from --user.`

// smtpFlags are --address and the --smtp-* flags of add and edit.
type smtpFlags struct {
	address, host, security, user string
	port                          int
	ownAddress                    bool // false: --address is another part's flag (add's discovery) that sets it
}

func addSMTPFlags(fs *flag.FlagSet, edit bool) *smtpFlags {
	s := &smtpFlags{}
	clear := ""
	if edit {
		clear = " (\"-\" removes it)"
	}
	if fs.Lookup("address") == nil {
		s.ownAddress = true
		fs.StringVar(&s.address, "address", "", "the account's e-mail `address` (From, and the SMTP check's sender)"+clear)
	}
	fs.StringVar(&s.host, "smtp-host", "", "SMTP submission server `host`"+clear)
	fs.IntVar(&s.port, "smtp-port", 0, "SMTP `port` (default 465 for tls, 587 for starttls)")
	fs.StringVar(&s.security, "smtp-security", "", "SMTP `mode`: tls (implicit TLS, the default), starttls, or insecure")
	fs.StringVar(&s.user, "smtp-user", "", "SMTP login `username` when it differs from --user"+clear)
	return s
}

// smtpFlagNames are the flags smtpFlags owns.
var smtpFlagNames = []string{"address", "smtp-host", "smtp-port", "smtp-security", "smtp-user"}

// apply sets the flags given (set) on a; edit allows "-" to remove. The
// caller validates a afterwards.
func (s *smtpFlags) apply(set map[string]bool, a *vault.Account, edit bool) error {
	dash := func(v string) bool { return edit && strings.TrimSpace(v) == "-" }
	if s.ownAddress && set["address"] {
		a.Address = strings.TrimSpace(s.address)
		if dash(a.Address) {
			a.Address = ""
		}
	}
	endpointFlag := set["smtp-port"] || set["smtp-security"] || set["smtp-user"]
	switch {
	case set["smtp-host"] && dash(s.host):
		if endpointFlag {
			return usageErr(errors.New("--smtp-host - removes the SMTP endpoint; give no other --smtp-* flag with it"), "")
		}
		a.SMTP = nil
		return nil
	case set["smtp-host"]:
		if strings.TrimSpace(s.host) == "" {
			return usageErr(errors.New("--smtp-host is empty"), "give a host, or - to remove the endpoint")
		}
		e := &vault.Endpoint{}
		if a.SMTP != nil {
			*e = *a.SMTP
		}
		e.Host = strings.TrimSpace(s.host)
		a.SMTP = e
	case endpointFlag && a.SMTP == nil:
		return usageErr(errors.New("the account has no SMTP server"), "add one with --smtp-host H")
	case !endpointFlag:
		return nil
	default:
		e := *a.SMTP
		a.SMTP = &e
	}
	e := a.SMTP
	oldDefault := e.Port == 0 || e.Port == vault.SMTPDefaultPort(e.SecurityOrDefault())
	switch {
	case set["smtp-security"]:
		sec, err := vault.ParseSecurity(s.security)
		if err != nil {
			return usageErr(fmt.Errorf("--smtp-security: %w", err), "use tls, starttls or insecure")
		}
		e.Security = sec
		if !set["smtp-port"] && oldDefault {
			e.Port = 0 // follows the new security's default
		}
	case e.Security == "" && set["smtp-port"] && (s.port == 587 || s.port == 25):
		e.Security = vault.STARTTLS // submission ports without implicit TLS
	case e.Security == "":
		e.Security = vault.TLS
	}
	if set["smtp-port"] {
		e.Port = s.port
	}
	if set["smtp-user"] {
		e.Username = strings.TrimSpace(s.user)
		if dash(e.Username) || e.Username == a.Username {
			e.Username = ""
		}
	}
	return nil
}

// smtpSummary is "; sends via host:port (security) as ADDR" for add's and
// edit's report, "" without an endpoint.
func smtpSummary(a *vault.Account) string {
	if a.SMTP == nil {
		return ""
	}
	as := "no address set"
	if a.Address != "" {
		as = "as " + line(a.Address)
	}
	return fmt.Sprintf("; sends via %s (%s) %s", line(a.SMTP.Addr()), a.SMTP.SecurityOrDefault(), as)
}
