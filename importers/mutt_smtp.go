package importers

import (
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/imapvault/imapvault/vault"
)

// muttWordName is an account-hook pattern that is a plain word (a name the
// user gave the account), not a URL.
var muttWordName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// muttUserName names an account after its login: the login when it is an
// address, else login@ the host's registrable domain (bob@example.org for
// bob at imap.example.org).
func muttUserName(a Account) string {
	if strings.Contains(a.Username, "@") {
		return a.Username
	}
	host := strings.ToLower(a.Host)
	if net.ParseIP(host) == nil {
		if site, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			host = site
		}
	}
	return a.Username + "@" + host
}

// muttSending fills the address from from and the SMTP endpoint from
// smtp_url. A value set by a hook for this account is its own; a global
// one (neomutt sends every account's mail with it) is taken when it fits:
// From at the IMAP host's site or the login itself, an SMTP server at the
// same site or with the same login; hooked nil takes every value. smtp_url (smtps:// implicit TLS on 465; smtp:// on 25 with STARTTLS,
// cleartext only when ssl_starttls is off and ssl_force_tls is not on, as
// for IMAP). The URL's login, or smtp_user, becomes the endpoint's own
// username when it differs; a password in the URL is not taken.
func muttSending(a *Account, vars map[string]muttWord, hooked map[string]bool) {
	own := func(k string) bool { return hooked == nil || hooked[k] }
	if from := strings.TrimSpace(vars["from"].text); from != "" {
		if addr, err := mail.ParseAddress(from); err == nil && vault.CheckAddress(addr.Address) == nil {
			domain := addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
			if own("from") || sameSite(domain, a.Host) || strings.EqualFold(addr.Address, a.Username) {
				a.Address = addr.Address
			}
		}
	}
	u, err := url.Parse(strings.TrimSpace(vars["smtp_url"].text))
	if err != nil || u.Hostname() == "" {
		return
	}
	e := &vault.Endpoint{Host: u.Hostname()}
	switch {
	case u.Scheme == "smtps":
		e.Security, e.Port = vault.TLS, 465
	case u.Scheme != "smtp":
		return
	case muttFalse(vars["ssl_starttls"].text) && !muttTrue(vars["ssl_force_tls"].text):
		e.Security, e.Port = vault.Insecure, 25
	default:
		e.Security, e.Port = vault.STARTTLS, 25
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return
		}
		e.Port = n
	}
	user := vars["smtp_user"].text
	if u.User != nil && u.User.Username() != "" {
		user = u.User.Username()
	}
	if !own("smtp_url") && !sameSite(e.Host, a.Host) && (user == "" || user != a.Username) {
		return
	}
	if user != "" && user != a.Username {
		e.Username = user
	}
	a.SMTP = e
}
