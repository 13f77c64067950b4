package smtpcheck

import (
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/imapvault/imapvault/imapcheck"
)

// watched are the EHLO keywords a Result keeps.
var watched = []string{"AUTH", "STARTTLS", "PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8",
	"ENHANCEDSTATUSCODES", "CHUNKING", "DSN", "REQUIRETLS", "LIMITS"}

func extensions(client *smtp.Client) []string {
	var out []string
	for _, k := range watched {
		if ok, param := client.Extension(k); ok {
			out = append(out, strings.TrimSpace(k+" "+param))
		}
	}
	return out
}

// mechanisms is the AUTH extension's list, upper-cased.
func mechanisms(client *smtp.Client) (map[string]bool, bool) {
	ok, param := client.Extension("AUTH")
	if !ok {
		return nil, false
	}
	m := map[string]bool{}
	for _, f := range strings.Fields(param) {
		m[strings.ToUpper(f)] = true
	}
	return m, true
}

// auth logs in: a bearer token with OAUTHBEARER, else XOAUTH2; a password
// with PLAIN, else LOGIN. Nothing is sent when the server offers no
// mechanism the credential can use.
func (c *checker) auth(client *smtp.Client) error {
	mechs, ok := mechanisms(client)
	if !ok || len(mechs) == 0 {
		if c.t.Security == Insecure {
			return fail(StatusInsecureRefused, "server offers no AUTH on this cleartext connection (it may want STARTTLS first); password not sent")
		}
		return fail(StatusAuthUnavailable, "server offers no AUTH on this connection; password not sent")
	}
	if c.t.Bearer != "" {
		return c.bearerAuth(client, mechs)
	}
	var sc sasl.Client
	switch {
	case mechs[sasl.Plain]:
		sc = sasl.NewPlainClient("", c.t.Username, c.t.Password)
	case mechs[sasl.Login]:
		sc = sasl.NewLoginClient(c.t.Username, c.t.Password)
	default:
		return fail(StatusAuthUnavailable, "server offers neither AUTH PLAIN nor LOGIN (only %s); password not sent", mechList(mechs))
	}
	if err := client.Auth(sc); err != nil {
		return c.authFailure(err)
	}
	return nil
}

func (c *checker) bearerAuth(client *smtp.Client, mechs map[string]bool) error {
	var mech string
	switch {
	case mechs[sasl.OAuthBearer]:
		mech = sasl.OAuthBearer
	case mechs[imapcheck.XOAuth2]:
		mech = imapcheck.XOAuth2
	default:
		return fail(StatusAuthUnavailable, "server offers neither AUTH OAUTHBEARER nor XOAUTH2: it does not take OAuth2 tokens (offers %s)", mechList(mechs))
	}
	bc := imapcheck.NewBearerSASL(mech, c.t.Username, c.t.Bearer, c.t.Host, c.t.port())
	err := client.Auth(bc)
	if err == nil {
		return nil
	}
	err = c.authFailure(err)
	if f, ok := err.(*failure); ok {
		if d := bc.Describe(); d != "" {
			f.msg = strings.TrimSpace(f.msg + " [" + mech + " " + d + "]")
			if f.status == StatusUnreachable {
				// The error challenge said why the token was refused, so
				// the closing 454 (go-smtp's server, some others) is
				// about the token, not a passing fault.
				f.status = StatusAuthFailed
			}
		}
	}
	return err
}

func mechList(m map[string]bool) string {
	var l []string
	for _, k := range []string{"CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "NTLM", "GSSAPI", "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER"} {
		if m[k] {
			l = append(l, k)
		}
	}
	if len(l) == 0 {
		return "none we know"
	}
	return strings.Join(l, " ")
}
