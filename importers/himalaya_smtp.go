package importers

import (
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// himalayaSending fills the address from the account's email and the SMTP
// endpoint from its send backend: message.send.backend (type smtp) in
// himalaya 1.x, the smtp table in 0.9. Encryption defaults to TLS, as for
// IMAP; a login that differs becomes the endpoint's own username; the
// send backend's password (raw or cmd) stands in when the IMAP one is
// absent (one credential).
func himalayaSending(a *Account, t map[string]any) {
	if e := strings.TrimSpace(str(t, "email")); e != "" && vault.CheckAddress(e) == nil {
		a.Address = e
	}
	smtp := tbl(tbl(tbl(t, "message"), "send"), "backend")
	if smtp == nil || str(smtp, "type") != "smtp" {
		smtp = tbl(t, "smtp")
		if smtp == nil {
			return
		}
	}
	host := str(smtp, "host")
	if host == "" {
		return
	}
	e := &vault.Endpoint{Host: host}
	if p, ok := smtp["port"].(int64); ok && p >= 1 && p <= 65535 {
		e.Port = int(p)
	}
	enc := str(smtp, "encryption")
	if x := tbl(smtp, "encryption"); x != nil {
		enc = str(x, "type")
	}
	switch strings.ToLower(enc) {
	case "", "tls", "ssl":
		e.Security = vault.TLS
	case "start-tls", "starttls":
		e.Security = vault.STARTTLS
	case "none":
		e.Security = vault.Insecure
	default:
		return // unknown: leave the account without an endpoint rather than guess
	}
	if login := str(smtp, "login"); login != "" && login != a.Username {
		e.Username = login
	}
	a.SMTP = e
	auth := tbl(smtp, "auth")
	if auth == nil {
		auth = tbl(smtp, "passwd")
	}
	if a.Password != "" || a.PassCmd != "" || a.OAuth2 || auth == nil || e.Username != "" {
		return
	}
	switch {
	case str(auth, "raw") != "":
		a.Password, a.Note = str(auth, "raw"), ""
	case auth["cmd"] != nil:
		a.PassCmd, a.Note = cmdString(auth["cmd"]), ""
	}
}
