package discover

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/imapvault/imapvault/vault"
)

// ErrCleartext is wrapped when a config offers a server only without TLS:
// discovery never proposes sending a password in the clear.
var ErrCleartext = errors.New("offers only cleartext (socketType plain)")

// ErrNoIMAP is wrapped when a config has no usable IMAP server.
var ErrNoIMAP = errors.New("no usable IMAP server")

const maxUsername = 256

// config is what one autoconfig file says, before it becomes a Result.
type config struct {
	provider string
	imap     Server
	imapAuth []Auth
	smtp     *Server
	oauth    *OAuth2
}

// parseConfig reads an autoconfig file (draft-ietf-mailmaint-autoconfig,
// version 1.1 and 1.2) for addr.
func parseConfig(b []byte, addr address) (*config, error) {
	root, err := parseXML(b)
	if err != nil {
		return nil, err
	}
	if root.name != "clientConfig" {
		return nil, fmt.Errorf("%w: the root element is <%s>, not <clientConfig>", ErrBadXML, root.name)
	}
	ep := root.child("emailProvider")
	if ep == nil {
		return nil, fmt.Errorf("%w: no <emailProvider>", ErrBadXML)
	}
	c := &config{provider: ep.childText("displayName")}
	imap, auth, err := pickServer(ep.all("incomingServer"), "imap", addr)
	if err != nil {
		return nil, fmt.Errorf("IMAP: %w", err)
	}
	c.imap, c.imapAuth = imap, auth
	// No usable SMTP server (none, or cleartext only) leaves IMAP usable:
	// the account then has no SMTP endpoint rather than a cleartext one.
	if smtp, _, err := pickServer(ep.all("outgoingServer"), "smtp", addr); err == nil {
		c.smtp = &smtp
	}
	// The draft puts <oAuth2> in <clientConfig>; some files have it in
	// <emailProvider>.
	o := root.child("oAuth2")
	if o == nil {
		o = ep.child("oAuth2")
	}
	if o != nil {
		c.oauth = parseOAuth(o, addr)
	}
	return c, nil
}

// candidate is one server section that can be used.
type candidate struct {
	srv  Server
	auth []Auth
}

// pickServer chooses among the server sections of one protocol: the first
// with implicit TLS, else the first with STARTTLS (RFC 8314 prefers
// implicit TLS). Sections of other protocols (POP3, JMAP, Exchange...),
// with broken fields or with no way to log in that imapvault has, are
// skipped, as the draft says; cleartext ones are refused.
func pickServer(sections []*node, typ string, addr address) (Server, []Auth, error) {
	var tlsOne, startOne *candidate
	plain, seen := false, 0
	var lastErr error
	for _, s := range sections {
		if !strings.EqualFold(s.attrs["type"], typ) {
			continue
		}
		seen++
		c, err := readServer(s, addr)
		if err != nil {
			lastErr = err
			continue
		}
		switch c.srv.Security {
		case vault.TLS:
			if tlsOne == nil {
				tlsOne = c
			}
		case vault.STARTTLS:
			if startOne == nil {
				startOne = c
			}
		default:
			plain = true
		}
	}
	switch {
	case tlsOne != nil:
		return tlsOne.srv, tlsOne.auth, nil
	case startOne != nil:
		return startOne.srv, startOne.auth, nil
	case plain:
		return Server{}, nil, ErrCleartext
	case seen == 0:
		return Server{}, nil, fmt.Errorf("%w: no <%s> section", ErrNoIMAP, typ)
	}
	return Server{}, nil, fmt.Errorf("%w: %v", ErrNoIMAP, lastErr)
}

// readServer reads one TCP server section.
func readServer(s *node, addr address) (*candidate, error) {
	host := strings.ToLower(addr.fill(s.childText("hostname")))
	if !validHost(host) {
		return nil, fmt.Errorf("hostname %q is not a host name", clip(host))
	}
	port, err := strconv.Atoi(s.childText("port"))
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("port %q is not a port", clip(s.childText("port")))
	}
	var sec vault.Security
	switch st := s.childText("socketType"); strings.ToUpper(st) {
	case "SSL", "TLS":
		sec = vault.TLS
	case "STARTTLS":
		sec = vault.STARTTLS
	case "PLAIN":
		sec = vault.Insecure
	default:
		return nil, fmt.Errorf("socketType %q is unknown", clip(st))
	}
	user := s.childText("username")
	if user == "" {
		user = "%EMAILADDRESS%"
	}
	user = addr.fill(user)
	if len(user) > maxUsername || strings.IndexFunc(user, unicode.IsControl) >= 0 {
		return nil, fmt.Errorf("username is too long or holds control characters")
	}
	var auth []Auth
	for _, a := range s.all("authentication") {
		var k Auth
		switch {
		case a.attrs["system"] != "" && a.attrs["system"] != "sasl":
			continue // an HTTP mechanism: not for IMAP or SMTP
		case a.text == "password-cleartext" || strings.EqualFold(a.text, "PLAIN") || strings.EqualFold(a.text, "LOGIN"):
			k = AuthPassword
		case strings.EqualFold(a.text, "OAuth2") || strings.EqualFold(a.text, "OAuth") ||
			strings.EqualFold(a.text, "OAUTHBEARER") || strings.EqualFold(a.text, "XOAUTH2"):
			k = AuthOAuth2
		default:
			continue // CRAM-MD5, NTLM, GSSAPI, client certificates...: not ours
		}
		if !hasAuth(auth, k) {
			auth = append(auth, k)
		}
	}
	if len(s.all("authentication")) == 0 {
		auth = []Auth{AuthPassword} // version 1.1 files may leave it out
	}
	if len(auth) == 0 {
		return nil, fmt.Errorf("no way to log in that imapvault supports")
	}
	return &candidate{srv: Server{Host: host, Port: port, Security: sec, Username: user}, auth: auth}, nil
}

func hasAuth(list []Auth, a Auth) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// parseOAuth reads an <oAuth2> block; nil when its endpoints are not https.
func parseOAuth(o *node, addr address) *OAuth2 {
	r := &OAuth2{
		Issuer:       addr.fill(o.childText("issuer")),
		AuthURL:      addr.fill(o.childText("authURL")),
		TokenURL:     addr.fill(o.childText("tokenURL")),
		Scopes:       strings.Fields(o.childText("scope")),
		ClientID:     o.childText("clientID"),
		ClientSecret: o.childText("clientSecret"),
	}
	if !httpsURL(r.AuthURL) || !httpsURL(r.TokenURL) {
		return nil
	}
	if strings.IndexFunc(r.Issuer+r.ClientID, unicode.IsControl) >= 0 {
		return nil
	}
	return r
}

func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}

// clip shortens a hostile value quoted in an error.
func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "..."
	}
	return s
}
