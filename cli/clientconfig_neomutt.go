package cli

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// neomutt (checked with neomutt 20220429 and its source): the passwords are
// set by account-hooks, which neomutt runs before each new connection of
// the account (a mailbox of it opened, each message sent: hook.c,
// imap_ac_add, mutt_conn_find), so each such connection runs the password
// command again and a rotation reaches a running neomutt. A plain
// `set imap_pass = "`cmd`"` is read once, when the file is.
//
// Quoting: a double-quoted value takes \ as an escape and expands $VAR and
// `cmd`. The hook's command is such a value holding another set line,
// whose backticks must run when the hook does, so the outer layer escapes
// them too (nmQuote); inside the backticks \ and " are escaped once more
// (the command's own layer). A backtick can't appear in the command.
func neomuttConfig(a *vault.Account, argv []string) (string, error) {
	cmd := shellLine(argv)
	if strings.Contains(cmd, "`") {
		return "", fmt.Errorf("account %q: a backtick in its name can't go into a neomutt backtick command", a.Name)
	}
	scheme, port, extra := "imaps", a.PortOrDefault(), "set ssl_force_tls = yes\n"
	switch a.SecurityOrDefault() {
	case vault.STARTTLS:
		scheme, extra = "imap", "set ssl_starttls = yes\nset ssl_force_tls = yes\n"
	case vault.Insecure:
		scheme, extra = "imap", "set ssl_starttls = no\nset ssl_force_tls = no\n"
	}
	folder := url.URL{Scheme: scheme, User: url.User(a.Username), Host: a.Host + ":" + strconv.Itoa(port), Path: "/"}
	host, sport, sec, user, note := smtpOrGuess(a)
	smtpScheme := "smtps"
	if sec != vault.TLS {
		smtpScheme = "smtp" // STARTTLS as ssl_starttls says (yes unless insecure)
	}
	smtpURL := url.URL{Scheme: smtpScheme, User: url.User(user), Host: host + ":" + strconv.Itoa(sport), Path: "/"}

	pass := `"` + "`" + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(cmd) + "`" + `"`
	ca, caNote := "", ""
	if a.CAFile != "" {
		ca = "set ssl_ca_certificates_file = " + nmQuote(a.CAFile) + "; "
		caNote = "# The hooks trust the account's CA file. neomutt built with GnuTLS (Debian's) trusts\n" +
			"# one ssl_ca_certificates_file for every account, so give your other accounts'\n" +
			"# hooks set ssl_ca_certificates_file = \"/etc/ssl/certs/ca-certificates.crt\".\n"
	}
	imapHook := ca + "set imap_user = " + nmQuote(a.Username) + " imap_pass = " + pass
	smtpHook := ca + "set smtp_pass = " + pass
	head := `# The password comes from imapvault at each new connection of this account
# (the account-hooks run the command again): a rotation reaches a running
# neomutt when it next opens the account's mailbox or sends. A connection it
# already has keeps its login; if it says "Login failed" after a rotation,
# change folder (c) to one of the account's to connect anew.
`
	if a.IsOAuth2() {
		// neomutt runs *_oauth_refresh_command at each authentication
		// (imap/auth_oauth.c, smtp.c): a fresh access token every login.
		imapHook = ca + "set imap_user = " + nmQuote(a.Username) + ` imap_authenticators = "xoauth2" imap_oauth_refresh_command = ` + nmQuote(cmd)
		smtpHook = ca + `set smtp_authenticators = "xoauth2" smtp_oauth_refresh_command = ` + nmQuote(cmd)
		head = `# This account logs in with OAuth2: neomutt runs the oauth_refresh_command
# at each login, which prints a fresh access token from imapvault (the
# refresh token stays in the vault), so a re-authorisation reaches a running
# neomutt by itself when it next connects.
`
	}
	return fmt.Sprintf(`# %s
%s%sset folder = %s
set spool_file = "+INBOX"
%saccount-hook %s %s
%s
%sset smtp_url = %s
account-hook %s %s
`, a.Name, head, extra, nmQuote(folder.String()), caNote,
		nmQuote(nmHookPattern(scheme, a.Username, a.Host, port, a.SecurityOrDefault().DefaultPort())), nmQuote(imapHook),
		fromLine(a, "set from = ", nmQuote), note, nmQuote(smtpURL.String()),
		nmQuote(nmHookPattern(smtpScheme, user, host, sport, vault.SMTPDefaultPort(sec))), nmQuote(smtpHook)), nil
}

// nmQuote is a neomutt double-quoted string: \ escapes, $ and ` expand.
func nmQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(s) + `"`
}

// nmHookPattern is the account-hook regex matching the URL neomutt names
// a connection by (email/url.c url_tostring): scheme://user@host[:port]/,
// the user with " /:&%=" percent-encoded, the port only when the config
// gave one (ours always does; the default one is optional). Specials are
// bracketed rather than backslashed, so no quoting layer can eat them.
func nmHookPattern(scheme, user, host string, port, defaultPort int) string {
	var u strings.Builder
	for _, r := range user {
		if strings.ContainsRune(" /:&%=", r) {
			fmt.Fprintf(&u, "%%%02X", r)
		} else {
			u.WriteRune(r)
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	p := ":" + strconv.Itoa(port)
	if port == defaultPort {
		p = "(" + p + ")?"
	}
	return "^" + scheme + "://" + regexLiteral(u.String()) + "@" + regexLiteral(host) + p + "/"
}

// regexLiteral matches s in a POSIX extended regex: each special
// character alone in brackets ("[.]"), where only ] and ^ need care.
func regexLiteral(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ']':
			b.WriteString("[]]")
		case '^':
			b.WriteString("[]^]") // ] or ^: never a ] in a user or host anyway
		case '.', '[', '(', ')', '{', '}', '*', '+', '?', '$', '|', '\\':
			b.WriteString("[" + string(r) + "]")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
