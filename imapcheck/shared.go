package imapcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"
)

// What other protocols' checks (smtpcheck) share with this one: the dial,
// the verified TLS handshake that keeps a refused certificate's details,
// and the bearer-token SASL client. One copy, so both sides of an account
// fail and read alike.

// Dial opens the TCP connection to t.Addr() within ctx, from t.LocalAddr
// when set. Its error carries a status (ErrorStatus): unreachable.
func Dial(ctx context.Context, t Target) (net.Conn, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	return dial(ctx, t)
}

// Handshake runs the verified TLS client handshake on conn for t (its
// TLSConfig, ServerName defaulting to Host, TLS 1.2 at least) and returns
// the session, what the certificate said and how long it took. The
// TLSInfo is set even when the certificate was refused; the error then
// carries StatusTLSError and the reason.
func Handshake(ctx context.Context, conn net.Conn, t Target) (*tls.Conn, *TLSInfo, time.Duration, error) {
	c := &checker{t: t}
	tc, err := c.handshake(ctx, conn)
	return tc, c.r.TLS, c.r.Timings.TLS, err
}

// ErrorStatus is the status an error of Dial or Handshake stands for.
func ErrorStatus(err error) (Status, bool) {
	var f *failure
	if errors.As(err, &f) {
		return f.status, true
	}
	return "", false
}

// BearerSASL is the SASL client for an OAuth2 access token (OAUTHBEARER or
// XOAUTH2) that IMAP's check uses, for other protocols' AUTH commands.
// After a refusal, Describe turns the server's error challenge into words.
type BearerSASL struct{ c *bearerClient }

// NewBearerSASL returns the client for mech (sasl.OAuthBearer or XOAuth2).
func NewBearerSASL(mech, user, token, host string, port int) *BearerSASL {
	return &BearerSASL{c: newBearerClient(mech, user, token, host, port)}
}

func (b *BearerSASL) Start() (string, []byte, error)        { return b.c.Start() }
func (b *BearerSASL) Next(challenge []byte) ([]byte, error) { return b.c.Next(challenge) }

// Describe is "token refused (status 401, ...)" from the error challenge,
// or "" when the server sent none.
func (b *BearerSASL) Describe() string { return b.c.describe() }
