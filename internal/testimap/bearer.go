package testimap

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
)

// XOAuth2 is the mechanism name of Google's bearer-token SASL.
const XOAuth2 = "XOAUTH2"

// bearerSession adds OAUTHBEARER and XOAUTH2 to a session.
type bearerSession struct{ session }

func (b *bearerSession) AuthenticateMechanisms() []string {
	if len(b.s.opts.BearerMechs) > 0 {
		return append(b.s.opts.BearerMechs, sasl.Plain)
	}
	return []string{sasl.OAuthBearer, XOAuth2, sasl.Plain}
}

func (b *bearerSession) Authenticate(mech string) (sasl.Server, error) {
	if !slices.Contains(b.AuthenticateMechanisms(), mech) {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pw string) error { return b.Login(user, pw) }), nil
	case sasl.OAuthBearer:
		return refusal{sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !b.check(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})}, nil
	}
	return &xoauth2Server{check: b.check}, nil
}

// check counts the attempt and opens the mailbox of an accepted token.
func (b *bearerSession) check(user, token string) bool {
	b.s.logins.Add(1)
	if !b.s.opts.Bearer(user, token) {
		return false
	}
	b.open(user)
	return true
}

// xoauth2Server is the server side of XOAUTH2 as Gmail speaks it: a
// refused token gets a challenge holding a JSON error, and the NO comes
// only after the client's (empty) answer to it.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid credentials (Failure)"}
	}
	if resp == nil {
		return []byte{}, false, nil // ask for the initial response
	}
	var user, token string
	for _, f := range bytes.Split(resp, []byte{1}) {
		switch {
		case bytes.HasPrefix(f, []byte("user=")):
			user = string(f[5:])
		case bytes.HasPrefix(f, []byte("auth=Bearer ")):
			token = string(f[12:])
		}
	}
	if user == "" || token == "" {
		return nil, true, errors.New("malformed XOAUTH2 response")
	}
	if x.check(user, token) {
		return nil, true, nil
	}
	x.failed = true
	blob, _ := json.Marshal(map[string]string{"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"})
	return blob, false, nil
}

// refusal turns go-sasl's failure into the NO a real server sends.
type refusal struct{ sasl.Server }

func (r refusal) Next(resp []byte) ([]byte, bool, error) {
	c, done, err := r.Server.Next(resp)
	if err != nil {
		err = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "token refused"}
	}
	return c, done, err
}

var _ imapserver.SessionSASL = (*bearerSession)(nil)
