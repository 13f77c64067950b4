package importers

import (
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// aercSending fills the account's address from aerc's from (an RFC 5322
// address, maybe with a name) and its SMTP endpoint from outgoing, when it
// is an SMTP URL (smtps:// implicit TLS, smtp:// STARTTLS, +insecure
// cleartext; a sendmail command is no endpoint). An outgoing login that
// differs from the IMAP one becomes the endpoint's own username; a
// password in the URL is not taken (the account has one credential).
func aercSending(a *Account, get func(string) (string, bool)) {
	if from, ok := get("from"); ok {
		if addr, err := mail.ParseAddress(strings.TrimSpace(from)); err == nil && vault.CheckAddress(addr.Address) == nil {
			a.Address = addr.Address
		}
	}
	out, ok := get("outgoing")
	if !ok {
		return
	}
	u, err := url.Parse(strings.TrimSpace(out))
	if err != nil || u.Hostname() == "" {
		return
	}
	e := &vault.Endpoint{Host: u.Hostname()}
	scheme, mods, _ := strings.Cut(u.Scheme, "+")
	switch {
	case scheme == "smtps":
		e.Security = vault.TLS
	case scheme == "smtp" && strings.Contains(mods, "insecure"):
		e.Security = vault.Insecure
	case scheme == "smtp":
		e.Security = vault.STARTTLS
	default:
		return
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return
		}
		e.Port = n
	}
	if u.User != nil && u.User.Username() != a.Username {
		e.Username = u.User.Username()
	}
	a.SMTP = e
}
