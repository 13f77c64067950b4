package imapcheck

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// XOAuth2 is Google's and Microsoft's SASL mechanism for a bearer token
// (https://developers.google.com/gmail/imap/xoauth2-protocol); go-sasl has
// a client for OAUTHBEARER (RFC 7628) only.
const XOAuth2 = "XOAUTH2"

// bearerClient sends a bearer token with OAUTHBEARER or XOAUTH2. A server
// that refuses the token first sends a challenge with an error in JSON
// (XOAUTH2: base64 of it, which the SASL layer already decoded); the
// client keeps it for the message and answers as each mechanism wants
// (OAUTHBEARER: %x01, XOAUTH2: an empty response), after which the server
// ends the command with NO.
type bearerClient struct {
	conn      *saslConn
	mech      string
	start     []byte
	challenge []byte
}

func newBearerClient(mech, user, token, host string, port int) *bearerClient {
	c := &bearerClient{mech: mech}
	switch mech {
	case sasl.OAuthBearer:
		_, c.start, _ = sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token, Host: host, Port: port}).Start()
	default:
		c.start = []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
	}
	return c
}

func (c *bearerClient) Start() (string, []byte, error) { return c.mech, c.start, nil }

func (c *bearerClient) Next(challenge []byte) ([]byte, error) {
	if c.challenge != nil {
		return nil, fmt.Errorf("server sent a second %s challenge", c.mech)
	}
	c.challenge = append([]byte{}, challenge...)
	if c.mech == sasl.OAuthBearer {
		return []byte{1}, nil
	}
	// XOAUTH2 wants an empty line; imapclient would send "=", which is
	// the empty *initial* response (RFC 4959) and which Dovecot refuses.
	// (Other protocols' clients, with no conn here, send an empty line.)
	if c.conn != nil {
		c.conn.emptyNext.Store(true)
	}
	return []byte{}, nil
}

// saslConn lets a bearerClient turn imapclient's next "=" line into the
// empty line a SASL continuation means by an empty response.
type saslConn struct {
	*recorder
	emptyNext atomic.Bool
}

func (s *saslConn) Write(p []byte) (int, error) {
	if s.emptyNext.CompareAndSwap(true, false) && string(p) == "=\r\n" {
		if _, err := s.recorder.Write([]byte("\r\n")); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return s.recorder.Write(p)
}

// bearerError is the JSON a server puts in its error challenge.
type bearerError struct {
	Status  string `json:"status"`
	Schemes string `json:"schemes"`
	Scope   string `json:"scope"`
}

// describe turns the error challenge into words: "status 400, scope ...".
func (c *bearerClient) describe() string {
	if len(c.challenge) == 0 {
		return ""
	}
	raw := c.challenge
	// Some servers base64 the JSON once more inside the SASL encoding.
	if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw))); err == nil && json.Valid(dec) {
		raw = dec
	}
	var e bearerError
	if json.Unmarshal(raw, &e) != nil {
		return fmt.Sprintf("server's challenge: %q", truncate(string(raw), 200))
	}
	parts := []string{}
	if e.Status != "" {
		parts = append(parts, "status "+e.Status)
	}
	if e.Schemes != "" {
		parts = append(parts, "schemes "+e.Schemes)
	}
	if e.Scope != "" {
		parts = append(parts, "scope "+e.Scope)
	}
	return "token refused (" + strings.Join(parts, ", ") + ")"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// bearerLogin authenticates with the access token: OAUTHBEARER when the
// server offers it, else XOAUTH2.
func (c *checker) bearerLogin(client *imapclient.Client, caps imap.CapSet) error {
	var mech string
	switch {
	case caps.Has(imap.AuthCap(sasl.OAuthBearer)):
		mech = sasl.OAuthBearer
	case caps.Has(imap.AuthCap(XOAuth2)):
		mech = XOAuth2
	default:
		return fail(StatusAuthFailed, "server offers neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2: it does not take OAuth2 tokens")
	}
	bc := newBearerClient(mech, c.t.Username, c.t.Bearer, c.t.Host, c.t.port())
	bc.conn = c.sasl
	err := client.Authenticate(bc)
	if err == nil {
		return nil
	}
	err = loginFailure(err)
	if f, ok := err.(*failure); ok {
		if d := bc.describe(); d != "" {
			f.msg = strings.TrimSpace(f.msg + " [" + mech + " " + d + "]")
		}
	}
	return err
}
