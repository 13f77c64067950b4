package importers

import (
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// tbSending fills the address from the account's default identity
// (mail.identity.ID.useremail) and the SMTP endpoint from the outgoing
// server it names (smtpServer; else mail.smtp.defaultserver, else the
// first of mail.smtpservers), as Thunderbird's OutgoingServerService
// picks it. try_ssl is the server's security (0 or unset plain, 1 and 2
// STARTTLS, 3 TLS) and an unset port is 465 with TLS, else 587, as its
// SmtpClient connects. A server that logs in with nothing (authMethod 1)
// or is not SMTP (an EWS one) is no endpoint.
func tbSending(a *Account, prefs map[string]prefValue, ident string) {
	if ident == "" {
		return
	}
	id := func(k string) prefValue { return prefs["mail.identity."+ident+"."+k] }
	if addr := strings.TrimSpace(id("useremail").s); addr != "" && vault.CheckAddress(addr) == nil {
		a.Address = addr
	}
	key := id("smtpServer").s
	if key == "" {
		key = prefs["mail.smtp.defaultserver"].s
	}
	if key == "" {
		key, _, _ = strings.Cut(prefs["mail.smtpservers"].s, ",")
	}
	get := func(k string) prefValue { return prefs["mail.smtpserver."+strings.TrimSpace(key)+"."+k] }
	if key == "" || get("hostname").s == "" || (get("type").s != "" && get("type").s != "smtp") || get("authMethod").n == 1 {
		return
	}
	e := &vault.Endpoint{Host: get("hostname").s}
	switch st := get("try_ssl"); {
	case st.kind == 'n' && st.n == 3:
		e.Security = vault.TLS
	case st.kind == 'n' && (st.n == 1 || st.n == 2):
		e.Security = vault.STARTTLS
	default:
		e.Security = vault.Insecure
	}
	if p := get("port"); p.kind == 'n' && p.n > 0 && p.n <= 65535 {
		e.Port = p.n
	} else if e.Security == vault.TLS {
		e.Port = 465
	} else {
		e.Port = 587
	}
	if u := get("username").s; u != "" && u != a.Username {
		e.Username = u
	}
	a.SMTP = e
}
