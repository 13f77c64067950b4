package discover

import (
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// provider is one entry of the built-in table: a large provider whose
// settings are well known and stable. Usernames carry the draft's
// placeholders. MX lists suffixes of MX hosts that mark a custom domain
// hosted there (Google Workspace, Microsoft 365...).
type provider struct {
	ID, Name string
	Domains  []string
	MX       []string
	IMAP     Server
	SMTP     *Server
	Auth     []Auth
	OAuth    *OAuth2
	Hint     string
}

var (
	googleOAuth = &OAuth2{
		Issuer:   "accounts.google.com",
		AuthURL:  "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL: "https://oauth2.googleapis.com/token",
		Scopes:   []string{"https://mail.google.com/"},
	}
	microsoftOAuth = &OAuth2{
		Issuer:   "login.microsoftonline.com",
		AuthURL:  "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
		TokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
		Scopes: []string{"https://outlook.office.com/IMAP.AccessAsUser.All",
			"https://outlook.office.com/SMTP.Send", "offline_access"},
	}
)

const (
	phAddress = "%EMAILADDRESS%"
	phLocal   = "%EMAILLOCALPART%"
)

func tlsAt(host string, port int, user string) Server {
	return Server{Host: host, Port: port, Security: vault.TLS, Username: user}
}

func startTLSAt(host string, port int, user string) *Server {
	return &Server{Host: host, Port: port, Security: vault.STARTTLS, Username: user}
}

func smtpTLS(host string) *Server {
	s := tlsAt(host, 465, phAddress)
	return &s
}

var passwordOnly = []Auth{AuthPassword}

// builtins is the table. Each fact here is the provider's own published
// setting; hints say what a person must do first so a login can work.
var builtins = []provider{
	{ID: "gmail", Name: "Gmail", Domains: []string{"gmail.com", "googlemail.com"},
		IMAP: tlsAt("imap.gmail.com", 993, phAddress), SMTP: smtpTLS("smtp.gmail.com"),
		Auth: []Auth{AuthOAuth2, AuthPassword}, OAuth: googleOAuth,
		Hint: "Gmail: use OAuth2 or an app password (needs 2-Step Verification); the account password does not work"},
	{ID: "google-workspace", Name: "Google Workspace", MX: []string{"google.com", "googlemail.com"},
		IMAP: tlsAt("imap.gmail.com", 993, phAddress), SMTP: smtpTLS("smtp.gmail.com"),
		Auth: []Auth{AuthOAuth2, AuthPassword}, OAuth: googleOAuth,
		Hint: "Google Workspace: use OAuth2 or an app password; the admin may have to allow IMAP"},
	{ID: "outlook", Name: "Outlook.com",
		Domains: []string{"outlook.com", "hotmail.com", "live.com", "msn.com", "hotmail.co.uk", "hotmail.fr",
			"hotmail.de", "live.co.uk", "outlook.de", "outlook.fr"},
		IMAP: tlsAt("outlook.office365.com", 993, phAddress), SMTP: startTLSAt("smtp-mail.outlook.com", 587, phAddress),
		Auth: []Auth{AuthOAuth2}, OAuth: microsoftOAuth,
		Hint: "Outlook.com: OAuth2 only, passwords are refused (add with --auth oauth2 --provider microsoft)"},
	{ID: "microsoft365", Name: "Microsoft 365", MX: []string{"mail.protection.outlook.com"},
		IMAP: tlsAt("outlook.office365.com", 993, phAddress), SMTP: startTLSAt("smtp.office365.com", 587, phAddress),
		Auth: []Auth{AuthOAuth2}, OAuth: microsoftOAuth,
		Hint: "Microsoft 365: OAuth2 only, basic authentication is off (add with --auth oauth2 --provider microsoft)"},
	{ID: "yahoo", Name: "Yahoo Mail",
		Domains: []string{"yahoo.com", "ymail.com", "rocketmail.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de"},
		MX:      []string{"yahoodns.net"},
		IMAP:    tlsAt("imap.mail.yahoo.com", 993, phAddress), SMTP: smtpTLS("smtp.mail.yahoo.com"), Auth: passwordOnly,
		Hint: "Yahoo: needs an app password (Account security, Generate app password)"},
	{ID: "aol", Name: "AOL Mail", Domains: []string{"aol.com"},
		IMAP: tlsAt("imap.aol.com", 993, phAddress), SMTP: smtpTLS("smtp.aol.com"), Auth: passwordOnly,
		Hint: "AOL: needs an app password (Account security, Generate app password)"},
	{ID: "icloud", Name: "iCloud Mail", Domains: []string{"icloud.com", "me.com", "mac.com"},
		MX:   []string{"mail.icloud.com"},
		IMAP: tlsAt("imap.mail.me.com", 993, phLocal), SMTP: startTLSAt("smtp.mail.me.com", 587, phAddress), Auth: passwordOnly,
		Hint: "iCloud: needs an app-specific password (Apple Account, Sign-In and Security); a custom domain logs in with its iCloud address"},
	{ID: "fastmail", Name: "Fastmail", Domains: []string{"fastmail.com", "fastmail.fm"},
		MX:   []string{"messagingengine.com"},
		IMAP: tlsAt("imap.fastmail.com", 993, phAddress), SMTP: smtpTLS("smtp.fastmail.com"), Auth: passwordOnly,
		Hint: "Fastmail: needs an app password (Settings, Privacy & Security, App passwords)"},
	{ID: "gmx", Name: "GMX", Domains: []string{"gmx.net", "gmx.de", "gmx.at", "gmx.ch"},
		IMAP: tlsAt("imap.gmx.net", 993, phAddress), SMTP: smtpTLS("mail.gmx.net"), Auth: passwordOnly,
		Hint: "GMX: turn on POP3/IMAP access in the mail settings first"},
	{ID: "gmx.com", Name: "GMX", Domains: []string{"gmx.com"},
		IMAP: tlsAt("imap.gmx.com", 993, phAddress), SMTP: smtpTLS("mail.gmx.com"), Auth: passwordOnly,
		Hint: "GMX: turn on POP3/IMAP access in the mail settings first"},
	{ID: "web.de", Name: "WEB.DE", Domains: []string{"web.de"},
		IMAP: tlsAt("imap.web.de", 993, phAddress), SMTP: startTLSAt("smtp.web.de", 587, phAddress), Auth: passwordOnly,
		Hint: "WEB.DE: turn on POP3/IMAP access in the mail settings first"},
	{ID: "t-online", Name: "Telekom Mail", Domains: []string{"t-online.de"},
		IMAP: tlsAt("secureimap.t-online.de", 993, phAddress), SMTP: smtpTLS("securesmtp.t-online.de"), Auth: passwordOnly,
		Hint: "Telekom: needs the separate e-mail password set in the E-Mail Center, not the login password"},
	{ID: "mail.ru", Name: "Mail.ru", Domains: []string{"mail.ru", "inbox.ru", "list.ru", "bk.ru", "internet.ru"},
		IMAP: tlsAt("imap.mail.ru", 993, phAddress), SMTP: smtpTLS("smtp.mail.ru"), Auth: passwordOnly,
		Hint: "Mail.ru: needs a password for external applications (Settings, Security)"},
	{ID: "yandex", Name: "Yandex Mail", Domains: []string{"yandex.ru", "yandex.com", "ya.ru"},
		MX:   []string{"mx.yandex.net"},
		IMAP: tlsAt("imap.yandex.com", 993, phAddress), SMTP: smtpTLS("smtp.yandex.com"), Auth: passwordOnly,
		Hint: "Yandex: needs an app password, and IMAP turned on in the mail settings"},
	{ID: "zoho", Name: "Zoho Mail", Domains: []string{"zoho.com", "zohomail.com"},
		IMAP: tlsAt("imap.zoho.com", 993, phAddress), SMTP: smtpTLS("smtp.zoho.com"), Auth: passwordOnly,
		Hint: "Zoho: turn on IMAP access in the mail settings; with two-factor sign-in use an app-specific password"},
	{ID: "zoho-org", Name: "Zoho Mail (organisation)", MX: []string{"zoho.com"},
		IMAP: tlsAt("imappro.zoho.com", 993, phAddress), SMTP: smtpTLS("smtppro.zoho.com"), Auth: passwordOnly,
		Hint: "Zoho: turn on IMAP access in the mail settings; with two-factor sign-in use an app-specific password"},
	{ID: "zoho-org-eu", Name: "Zoho Mail (organisation, EU)", MX: []string{"zoho.eu"},
		IMAP: tlsAt("imappro.zoho.eu", 993, phAddress), SMTP: smtpTLS("smtppro.zoho.eu"), Auth: passwordOnly,
		Hint: "Zoho: turn on IMAP access in the mail settings; with two-factor sign-in use an app-specific password"},
	{ID: "posteo", Name: "Posteo",
		Domains: []string{"posteo.de", "posteo.net", "posteo.org", "posteo.eu", "posteo.at", "posteo.ch"},
		MX:      []string{"posteo.de"},
		IMAP:    tlsAt("posteo.de", 993, phAddress), SMTP: smtpTLS("posteo.de"), Auth: passwordOnly},
	{ID: "mailbox.org", Name: "mailbox.org", Domains: []string{"mailbox.org"}, MX: []string{"mailbox.org"},
		IMAP: tlsAt("imap.mailbox.org", 993, phAddress), SMTP: smtpTLS("smtp.mailbox.org"), Auth: passwordOnly},
	{ID: "proton", Name: "Proton Mail (Bridge)", Domains: []string{"proton.me", "protonmail.com", "protonmail.ch", "pm.me"},
		MX:   []string{"protonmail.ch"},
		IMAP: Server{Host: "127.0.0.1", Port: 1143, Security: vault.STARTTLS, Username: phAddress},
		SMTP: startTLSAt("127.0.0.1", 1025, phAddress), Auth: passwordOnly,
		Hint: "Proton Mail: only through Proton Mail Bridge on this machine; use the password the Bridge shows and trust its exported certificate (SSL_CERT_FILE)"},
}

// builtinByDomain is the entry for the address's domain, or nil.
func builtinByDomain(domain string) *provider {
	for i := range builtins {
		for _, d := range builtins[i].Domains {
			if d == domain {
				return &builtins[i]
			}
		}
	}
	return nil
}

// builtinByMX is the entry whose MX suffix the MX host falls under, or nil.
func builtinByMX(mxHost string) *provider {
	for i := range builtins {
		for _, s := range builtins[i].MX {
			if mxHost == s || strings.HasSuffix(mxHost, "."+s) {
				return &builtins[i]
			}
		}
	}
	return nil
}

// builtinByHost is the entry whose IMAP server is host, or nil: a result
// from elsewhere that names a known server gains its hint. Loopback hosts
// say nothing about the provider.
func builtinByHost(host string) *provider {
	if host == "127.0.0.1" || host == "::1" || host == "localhost" {
		return nil
	}
	for i := range builtins {
		if builtins[i].IMAP.Host == host {
			return &builtins[i]
		}
	}
	return nil
}

// result is the entry filled in for addr.
func (p *provider) result(a address) *Result {
	r := &Result{Address: a.full, Source: SourceBuiltin, From: "built-in table (" + p.ID + ")", Provider: p.Name,
		IMAP: p.IMAP, Auth: append([]Auth(nil), p.Auth...), Hint: p.Hint}
	r.IMAP.Username = a.fill(r.IMAP.Username)
	if p.SMTP != nil {
		s := *p.SMTP
		s.Username = a.fill(s.Username)
		r.SMTP = &s
	}
	if p.OAuth != nil {
		o := *p.OAuth
		o.Scopes = append([]string(nil), o.Scopes...)
		r.OAuth = &o
	}
	return r
}
