package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// clientConfigs print one account's block for each mail client, with the
// password coming from `imapvault get` (argv: the command as words). Each
// quotes by its client's own rules, noted beside it.
var clientConfigs = map[string]func(a *vault.Account, argv []string) (string, error){
	"mbsync":      mbsyncConfig,
	"msmtp":       msmtpConfig,
	"aerc":        aercConfig,
	"neomutt":     neomuttConfig, // clientconfig_neomutt.go
	"offlineimap": offlineimapConfig,
	"himalaya":    himalayaConfig,
	"vdirsyncer":  vdirsyncerConfig,
}

// shellLine quotes a command for sh (shellQuote: cmd_recipients.go), which
// runs every client's password command.
func shellLine(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// backslashQuote is the double-quoted string of isync: a backslash
// escapes the next character.
func backslashQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// jsonQuote is a JSON string: TOML basic strings, Python literals and
// vdirsyncer's values all read it.
func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// noLineBreaks refuses fields that would end a config line early.
func noLineBreaks(a *vault.Account) error {
	fields := []string{a.Name, a.Host, a.Username, a.Address}
	if a.SMTP != nil {
		fields = append(fields, a.SMTP.Host, a.SMTP.Username)
	}
	for _, f := range fields {
		if strings.ContainsAny(f, "\r\n\x00") {
			return fmt.Errorf("account %q: a line break in its name, host or user can't go into a config file", a.Name)
		}
	}
	return nil
}

// mbsync (isync 1.4): quoted strings with backslash escapes; PassCmd runs
// through sh, at every login (drv_imap.c frees the password before each).
// SSLType is spelled TLSType from isync 1.5 on. CertificateFile adds to
// the system's store.
func mbsyncConfig(a *vault.Account, argv []string) (string, error) {
	ssl := map[vault.Security]string{vault.TLS: "IMAPS", vault.STARTTLS: "STARTTLS", vault.Insecure: "None"}[a.SecurityOrDefault()]
	if a.CAFile != "" {
		ssl += "\nCertificateFile " + backslashQuote(a.CAFile)
	}
	n := a.Name
	head, mech := "# mbsync runs PassCmd at each login: it follows a rotation by itself\n", ""
	if a.IsOAuth2() {
		head = "# mbsync runs PassCmd at each login, which prints a fresh OAuth2 access token.\n" +
			"# It logs in with XOAUTH2 through Cyrus SASL, which needs a plugin for it\n" +
			"# (Debian: libsasl2-modules-kdexoauth2, or sasl-xoauth2): 'imapvault doctor' checks.\n"
		mech = "AuthMechs XOAUTH2\n"
	}
	return fmt.Sprintf(`%[11]sIMAPAccount %[1]s
Host %[2]s
Port %[3]d
User %[4]s
%[12]sPassCmd %[5]s
SSLType %[6]s

IMAPStore %[7]s
Account %[1]s

# mbsync wants the Path folder to exist: create it first
MaildirStore %[8]s
Path %[9]s
Inbox %[10]s
SubFolders Verbatim

Channel %[1]s
Far :%[7]s:
Near :%[8]s:
Patterns *
Create Near
SyncState *
`, backslashQuote(n), backslashQuote(a.Host), a.PortOrDefault(), backslashQuote(a.Username),
		backslashQuote(shellLine(argv)), ssl, backslashQuote(n+"-remote"), backslashQuote(n+"-local"),
		backslashQuote("~/Mail/"+n+"/"), backslashQuote("~/Mail/"+n+"/INBOX"), head, mech), nil
}

// msmtp (1.8, src/conf.c): an argument is the rest of the line, one pair
// of enclosing double quotes removed (trim_string) and nothing escaped, so
// it is written as it is, in quotes that keep its blanks; passwordeval
// runs through sh. An account name can't hold ':' or ','.
func msmtpQuote(s string) string { return `"` + s + `"` }

func msmtpConfig(a *vault.Account, argv []string) (string, error) {
	id, idNote := a.Name, ""
	if strings.ContainsAny(id, ":,") {
		id = strings.NewReplacer(":", "_", ",", "_").Replace(id)
		idNote = fmt.Sprintf("# msmtp account names can't hold ':' or ',': send with msmtp -a %s\n", shellQuote(id))
	}
	host, port, sec, user, note := smtpOrGuess(a)
	tls, starttls := "on", "on"
	switch sec {
	case vault.TLS:
		starttls = "off"
	case vault.Insecure:
		tls, starttls = "off", "off"
	}
	trust := ""
	if a.CAFile != "" { // replaces the system's trust for this account
		trust = "tls_trust_file " + msmtpQuote(a.CAFile) + "\n"
	}
	head, auth := "# msmtp runs passwordeval for each message it sends: it follows a rotation\n", "on"
	if a.IsOAuth2() {
		head, auth = "# msmtp runs passwordeval for each message it sends: a fresh OAuth2 access token\n", "xoauth2"
	}
	return fmt.Sprintf(`%[12]s%[1]s%[11]saccount %[2]s
host %[3]s
port %[4]d
auth %[13]s
tls %[5]s
tls_starttls %[6]s
%[10]suser %[7]s
%[8]s
passwordeval %[9]s
`, note, msmtpQuote(id), msmtpQuote(host), port, tls, starttls, msmtpQuote(user),
		fromLine(a, "from ", msmtpQuote), msmtpQuote(shellLine(argv)), trust, idNote, head, auth), nil
}

// smtpOrGuess is the account's submission server, or (no endpoint) the
// IMAP host on the submission port with a comment saying it is a guess.
func smtpOrGuess(a *vault.Account) (host string, port int, sec vault.Security, user, note string) {
	if e := a.SMTP; e != nil {
		return e.Host, e.PortOrDefault(), e.SecurityOrDefault(), a.SMTPUsername(), ""
	}
	sec = vault.STARTTLS
	if a.SecurityOrDefault() == vault.TLS {
		sec = vault.TLS
	}
	note = fmt.Sprintf("# no SMTP server known (imapvault edit %s --smtp-host H): the IMAP host is a guess\n", shellQuote(a.Name))
	return a.Host, vault.SMTPDefaultPort(sec), sec, a.Username, note
}

// fromLine is the client's From setting with the account's address, or a
// commented placeholder: the login is not an address to send as.
func fromLine(a *vault.Account, key string, quote func(string) string) string {
	if a.Address != "" {
		return key + quote(a.Address)
	}
	return fmt.Sprintf("# %syou@example.org  (no address known: imapvault edit %s --address ADDR)", key, shellQuote(a.Name))
}

// aerc accounts.conf (INI): the source is a URL, the login
// percent-encoded; source-cred-cmd runs through sh. A value with # or ;
// goes in """ so it is not cut as a comment.
func aercConfig(a *vault.Account, argv []string) (string, error) {
	if strings.ContainsAny(a.Name, "[]") {
		return "", fmt.Errorf("account %q: aerc section names can't hold [ or ]", a.Name)
	}
	scheme := map[vault.Security]string{vault.TLS: "imaps", vault.STARTTLS: "imap", vault.Insecure: "imap+insecure"}[a.SecurityOrDefault()]
	mech := ""
	if a.IsOAuth2() { // the cred-cmd prints an access token, which aerc sends as is
		mech = "+xoauth2"
	}
	scheme += mech
	src := url.URL{Scheme: scheme, User: url.User(a.Username), Host: a.Host + ":" + strconv.Itoa(a.PortOrDefault())}
	cmd := shellLine(argv)
	if strings.ContainsAny(cmd, "#;\"") {
		if strings.Contains(cmd, `"""`) {
			return "", fmt.Errorf("account %q: its name can't be written in an aerc value", a.Name)
		}
		cmd = `"""` + cmd + `"""`
	}
	host, port, sec, user, note := smtpOrGuess(a)
	out := url.URL{Scheme: map[vault.Security]string{vault.TLS: "smtps", vault.STARTTLS: "smtp", vault.Insecure: "smtp+insecure"}[sec] + mech,
		User: url.User(user), Host: host + ":" + strconv.Itoa(port)}
	ca := ""
	if a.CAFile != "" {
		ca = fmt.Sprintf("# aerc has no CA setting: it trusts the system's roots, so add %s to\n"+
			"# them (update-ca-certificates) or start aerc with SSL_CERT_FILE naming a bundle that holds it\n", a.CAFile)
	}
	head := `# aerc runs source-cred-cmd once, at start-up, and keeps the password:
# after a rotation restart aerc (until then it retries the old one). To be
# told, or (aerc 0.15+) to have a running aerc quit:
`
	if a.IsOAuth2() {
		head = `# aerc runs source-cred-cmd once, at start-up, and keeps the OAuth2 access
# token it prints; such a token lasts about an hour, so once it has expired
# (or after a rotation) restart aerc. imapvault never hands aerc the refresh
# token. To be told after a rotation, or (aerc 0.15+) to have aerc quit:
`
	}
	return fmt.Sprintf(`%[9]s#   imapvault edit %[1]s --after 'notify-send imapvault "restart aerc"'
#   imapvault edit %[1]s --after 'pgrep -xu "$USER" aerc >/dev/null && aerc :quit'
# outgoing-cred-cmd runs for each message sent (cache = false).
%[2]s[%[3]s]
source = %[4]s
source-cred-cmd = %[5]s
%[6]s
%[7]soutgoing = %[8]s
outgoing-cred-cmd = %[5]s
outgoing-cred-cmd-cache = false
`, shellQuote(a.Name), ca, a.Name, src.String(), cmd, fromLine(a, "from = ", func(s string) string { return s }), note, out.String(), head), nil
}

// offlineimap: remotepasseval is a Python expression (JSON strings are
// Python literals); values go through configparser interpolation, so % is
// doubled there, but not in section names.
func offlineimapConfig(a *vault.Account, argv []string) (string, error) {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = jsonQuote(w)
	}
	eval := fmt.Sprintf(`__import__("subprocess").run([%s], capture_output=True, text=True, check=True).stdout.rstrip("\n")`, strings.Join(words, ", "))
	ssl, starttls := "yes", "no"
	switch a.SecurityOrDefault() {
	case vault.STARTTLS:
		ssl, starttls = "no", "yes"
	case vault.Insecure:
		ssl = "no"
	}
	pct := strings.NewReplacer("%", "%%")
	ca := "OS-DEFAULT"
	if a.CAFile != "" {
		ca = pct.Replace(a.CAFile)
	}
	n, v := a.Name, pct.Replace(a.Name) // section names are not interpolated, values are
	head, cred := `# offlineimap evaluates remotepasseval once per run and keeps the password
# while it runs: a one-shot run (offlineimap -o, a timer) follows a rotation;
# one that keeps running (autorefresh) must be restarted, e.g.
`, "remotepasseval = "+pct.Replace(eval)
	if a.IsOAuth2() {
		head = `# offlineimap evaluates oauth2_access_token_eval once per run and keeps the
# OAuth2 access token (about an hour's worth): a one-shot run (offlineimap -o,
# a timer) gets a fresh one each time; one that keeps running (autorefresh)
# must be restarted before it expires and after a rotation, e.g.
`
		cred = "auth_mechanisms = XOAUTH2\noauth2_access_token_eval = " + pct.Replace(eval)
	}
	return fmt.Sprintf(`%[11]s#   imapvault edit %[10]s --after 'systemctl --user restart offlineimap'
[Account %[1]s]
localrepository = %[2]s-local
remoterepository = %[2]s-remote

[Repository %[1]s-local]
type = Maildir
localfolders = ~/Mail/%[2]s

[Repository %[1]s-remote]
type = IMAP
remotehost = %[3]s
remoteport = %[4]d
remoteuser = %[5]s
%[6]s
ssl = %[7]s
starttls = %[8]s
sslcacertfile = %[9]s
`, n, v, pct.Replace(a.Host), a.PortOrDefault(), pct.Replace(a.Username), cred, ssl, starttls, ca, shellQuote(a.Name), head), nil
}

// himalaya 1.x (TOML): basic strings take JSON's escapes; the account name
// is a quoted key. backend.auth.cmd runs through sh.
func himalayaConfig(a *vault.Account, argv []string) (string, error) {
	enc := map[vault.Security]string{vault.TLS: "tls", vault.STARTTLS: "start-tls", vault.Insecure: "none"}[a.SecurityOrDefault()]
	host, port, sec, user, note := smtpOrGuess(a)
	senc := map[vault.Security]string{vault.TLS: "tls", vault.STARTTLS: "start-tls", vault.Insecure: "none"}[sec]
	cmd := jsonQuote(shellLine(argv))
	cert, scert := "", ""
	if a.CAFile != "" { // himalaya 1.2+
		cert = "backend.encryption.cert = " + jsonQuote(a.CAFile) + "\n"
		scert = "message.send.backend.encryption.cert = " + jsonQuote(a.CAFile) + "\n"
	}
	head := "# himalaya runs auth.cmd in each command it runs: it follows a rotation\n"
	// auth is the auth.* lines of one side, its keys under prefix.
	auth := func(prefix string) string {
		if !a.IsOAuth2() {
			return prefix + "auth.type = \"password\"\n" + prefix + "auth.cmd = " + cmd + "\n"
		}
		out := prefix + "auth.type = \"oauth2\"\n" + prefix + "auth.method = \"xoauth2\"\n" + prefix + "auth.access-token.cmd = " + cmd + "\n"
		if o := a.OAuth; o != nil { // settings, not secrets: himalaya's schema asks for them
			out += prefix + "auth.client-id = " + jsonQuote(o.ClientID) + "\n" + prefix + "auth.auth-url = " + jsonQuote(o.AuthURL) + "\n" +
				prefix + "auth.token-url = " + jsonQuote(o.TokenURL) + "\n"
		}
		return out
	}
	if a.IsOAuth2() {
		head = "# himalaya runs access-token.cmd in each command it runs: a fresh OAuth2 access\n" +
			"# token each time. imapvault keeps the refresh token: don't run himalaya's own\n" +
			"# OAuth2 set-up for this account (it would want a refresh token of its own).\n"
	}
	return fmt.Sprintf(`%s[accounts.%s]
%s
backend.type = "imap"
backend.host = %s
backend.port = %d
backend.encryption.type = %q
%sbackend.login = %s
%s%smessage.send.backend.type = "smtp"
message.send.backend.host = %s
message.send.backend.port = %d
message.send.backend.encryption.type = %q
%smessage.send.backend.login = %s
%s`, head, jsonQuote(a.Name), fromLine(a, "email = ", jsonQuote), jsonQuote(a.Host), a.PortOrDefault(), enc, cert, jsonQuote(a.Username),
		auth("backend."), note, jsonQuote(host), port, senc, scert, jsonQuote(user), auth("message.send.backend.")), nil
}

var vdirName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// vdirsyncer: values are JSON, and password.fetch takes the command as a
// list of words, run without a shell. vdirsyncer syncs calendars and
// contacts: the URL is your provider's CalDAV/CardDAV server, a guess here.
func vdirsyncerConfig(a *vault.Account, argv []string) (string, error) {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = jsonQuote(w)
	}
	if a.IsOAuth2() {
		return "", withHint(fmt.Errorf("account %q logs in with OAuth2, and vdirsyncer's caldav storage takes only a password", a.Name),
			"for Google calendars vdirsyncer has a google_calendar storage with its own OAuth2 client; see vdirsyncer's docs")
	}
	n := vdirName.ReplaceAllString(a.Name, "_")
	verify := ""
	if a.CAFile != "" {
		verify = "# if this server's certificate comes from the account's CA too:\n# verify = " + jsonQuote(a.CAFile) + "\n"
	}
	return fmt.Sprintf(`# the CalDAV server of this provider: check the url
# vdirsyncer runs password.fetch in each sync: it follows a rotation
[storage %[1]s_remote]
type = "caldav"
url = %[2]s
username = %[3]s
password.fetch = ["command", %[4]s]
%[5]s`, n, jsonQuote("https://"+a.Host+"/"), jsonQuote(a.Username), strings.Join(words, ", "), verify), nil
}
