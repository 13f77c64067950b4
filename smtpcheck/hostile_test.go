package smtpcheck_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/smtpcheck"
)

// Hostile servers cost a check neither the whole timeout (except the
// drip, which is what the timeout is for) nor an unbounded read, and none
// of them gets AUTH or DATA.
func TestHostileServers(t *testing.T) {
	tests := []struct {
		hostile  testsmtp.Hostile
		mode     testsmtp.Mode
		security smtpcheck.Security
		status   smtpcheck.Status
		message  string
		noAuth   bool
	}{
		{testsmtp.HostileEndless, testsmtp.ImplicitTLS, smtpcheck.TLS, smtpcheck.StatusProtocolError, "more than 100 lines", true},
		{testsmtp.HostileEndless, testsmtp.STARTTLS, smtpcheck.STARTTLS, smtpcheck.StatusProtocolError, "more than 100 lines", true},
		{testsmtp.HostileHugeLine, testsmtp.ImplicitTLS, smtpcheck.TLS, smtpcheck.StatusProtocolError, "longer than 2000 bytes", true},
		{testsmtp.HostileHugeLine, testsmtp.STARTTLS, smtpcheck.STARTTLS, smtpcheck.StatusProtocolError, "longer than 2000 bytes", true},
		{testsmtp.HostileHugeReply, testsmtp.ImplicitTLS, smtpcheck.TLS, smtpcheck.StatusProtocolError, "more than 100 lines", true},
		{testsmtp.HostileHugeReply, testsmtp.Plain, smtpcheck.Insecure, smtpcheck.StatusProtocolError, "more than 100 lines", true},
		{testsmtp.HostileDrip, testsmtp.ImplicitTLS, smtpcheck.TLS, smtpcheck.StatusTimeout, "no answer during greeting", true},
		{testsmtp.HostileStripSTARTTLS, testsmtp.STARTTLS, smtpcheck.STARTTLS, smtpcheck.StatusTLSError, "does not offer STARTTLS", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.hostile, tc.security), func(t *testing.T) {
			s := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{user: pw}, Mode: tc.mode, Hostile: tc.hostile, InsecureAuth: true})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			r := smtpcheck.Check(ctx, target(s, tc.security, pw))
			if r.Status != tc.status || !strings.Contains(r.Message, tc.message) {
				t.Fatalf("%s %q; want %s with %q", r.Status, r.Message, tc.status, tc.message)
			}
			if tc.noAuth && s.Logins() != 0 {
				t.Errorf("server saw AUTH")
			}
			if s.Datas() != 0 || slices.Contains(s.Commands(), "DATA") {
				t.Errorf("client sent DATA")
			}
			if len(r.Message) > 1024 || len(r.Greeting) > 512 {
				t.Errorf("result texts not capped: %d, %d bytes", len(r.Message), len(r.Greeting))
			}
		})
	}
}

const sentinel = "SENTINEL-pw-7c1e"

// TestPasswordNeverInResult drives outcomes with a sentinel password,
// including a server that echoes the AUTH line back, and looks for the
// sentinel and its PLAIN encoding in everything a caller could show.
func TestPasswordNeverInResult(t *testing.T) {
	cases := []struct {
		name string
		opts testsmtp.Options
		sec  smtpcheck.Security
		pw   string
	}{
		{"ok", testsmtp.Options{}, smtpcheck.TLS, sentinel},
		{"ok starttls", testsmtp.Options{Mode: testsmtp.STARTTLS}, smtpcheck.STARTTLS, sentinel},
		{"wrong", testsmtp.Options{}, smtpcheck.TLS, "other"},
		{"echo", testsmtp.Options{Hostile: testsmtp.HostileEcho}, smtpcheck.TLS, "other"},
		{"echo login", testsmtp.Options{Hostile: testsmtp.HostileEcho, Mechs: []string{"LOGIN"}}, smtpcheck.TLS, "other"},
		{"sender refused", testsmtp.Options{Senders: map[string][]string{user: {}}}, smtpcheck.TLS, sentinel},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Users = map[string]string{user: c.pw}
			s := testsmtp.Start(t, c.opts)
			r := smtpcheck.Check(context.Background(), target(s, c.sec, sentinel))
			out, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			plain := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + sentinel))
			login := base64.StdEncoding.EncodeToString([]byte(sentinel))
			for _, secret := range []string{sentinel, plain, login} {
				if strings.Contains(string(out), secret) {
					t.Fatalf("result holds the password (%s): %s", secret, out)
				}
			}
			if c.name == "echo" && !strings.Contains(r.Message, "bad credentials") {
				t.Errorf("echo server's words lost: %q", r.Message)
			}
		})
	}
}
