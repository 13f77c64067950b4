package posture

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"slices"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/imapvault/imapvault/vault"
)

// smtpSession refuses everything: the probes never get as far as a login
// or a message.
type smtpSession struct{}

func (smtpSession) Reset()                               {}
func (smtpSession) Logout() error                        { return nil }
func (smtpSession) Mail(string, *smtp.MailOptions) error { return errors.New("no mail here") }
func (smtpSession) Rcpt(string, *smtp.RcptOptions) error { return errors.New("no mail here") }
func (smtpSession) Data(io.Reader) error                 { return errors.New("no mail here") }
func (smtpSession) AuthMechanisms() []string             { return []string{sasl.Plain} }
func (smtpSession) Auth(string) (sasl.Server, error)     { return nil, errors.New("no login here") }

// startGoSMTP runs go-smtp's server in process: STARTTLS, or implicit TLS
// when implicit; insecureAuth advertises AUTH before TLS.
func startGoSMTP(t *testing.T, cfg *tls.Config, implicit, insecureAuth bool) Endpoint {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return smtpSession{}, nil }))
	s.Domain = "gosmtp.test"
	s.TLSConfig = cfg
	s.AllowInsecureAuth = insecureAuth
	s.ErrorLog = log.New(io.Discard, "", 0) // refused probe handshakes are the point
	var ln net.Listener
	var err error
	sec := vault.STARTTLS
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", cfg)
		sec = vault.TLS
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); s.Serve(ln) }()
	t.Cleanup(func() { s.Close(); <-done })
	port := ln.Addr().(*net.TCPAddr).Port
	return Endpoint{Proto: SMTP, Host: "127.0.0.1", Port: port, Security: sec, ImplicitPort: port}
}

func TestGoSMTP(t *testing.T) {
	p := newPKI(t)
	for _, c := range []struct {
		name                   string
		implicit, insecureAuth bool
		want                   []string
	}{
		{"starttls", false, false, nil},
		{"starttls, AUTH before TLS", false, true, []string{CleartextAuth}},
		{"implicit", true, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ep := startGoSMTP(t, p.leaf(t, leafSpec{}), c.implicit, c.insecureAuth)
			r := New(testOptions(&tls.Config{RootCAs: p.pool})).Probe(context.Background(), []Endpoint{ep})[0]
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if got := kindsOf(r.Findings); !slices.Equal(got, c.want) {
				t.Errorf("kinds %v, want %v: %v", got, c.want, r.Findings)
			}
		})
	}
}
