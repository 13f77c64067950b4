package smtpcheck_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/smtpcheck"
)

// TestPostfix checks against a real Postfix whose AUTH goes to a real
// Dovecot, as most self-hosted mail servers are set up.
func TestPostfix(t *testing.T) {
	const bob, bobPW = "bob@example.test", "bob's own password"
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{user: sentinel, bob: bobPW}, AuthInet: true})
	pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: d.AuthAddr(),
		SenderLogins: map[string][]string{addr: {user}, "shared@example.test": {user, bob}}})
	tg := func(port int, sec smtpcheck.Security, login, password, from string) smtpcheck.Target {
		return smtpcheck.Target{Name: "pf", Host: pf.Host(), Port: port, Security: sec, Username: login,
			Password: password, Address: from, TLSConfig: &tls.Config{RootCAs: d.RootCAs()}}
	}
	tests := []struct {
		name    string
		target  smtpcheck.Target
		status  smtpcheck.Status
		code    string
		message string
	}{
		{"starttls ok", tg(pf.SubmissionPort(), smtpcheck.STARTTLS, user, sentinel, addr), smtpcheck.StatusOK, "", ""},
		{"implicit tls ok", tg(pf.SMTPSPort(), smtpcheck.TLS, user, sentinel, addr), smtpcheck.StatusOK, "", ""},
		{"strict ok", tg(pf.StrictPort(), smtpcheck.STARTTLS, user, sentinel, addr), smtpcheck.StatusOK, "", ""},
		{"strict shared address", tg(pf.StrictPort(), smtpcheck.STARTTLS, bob, bobPW, "shared@example.test"), smtpcheck.StatusOK, "", ""},
		{"wrong password", tg(pf.SubmissionPort(), smtpcheck.STARTTLS, user, "not it", addr), smtpcheck.StatusAuthFailed, "535 5.7.8", "authentication failed"},
		{"sender refused", tg(pf.StrictPort(), smtpcheck.STARTTLS, bob, bobPW, addr), smtpcheck.StatusSenderRefused, "553 5.7.1", "not owned by user " + bob},
		{"starttls required", tg(pf.SubmissionPort(), smtpcheck.Insecure, user, sentinel, addr), smtpcheck.StatusInsecureRefused, "", "no AUTH on this cleartext"},
		{"starttls missing", tg(pf.NoTLSPort(), smtpcheck.STARTTLS, user, sentinel, addr), smtpcheck.StatusTLSError, "", "does not offer STARTTLS"},
		{"tls to the starttls port", tg(pf.SubmissionPort(), smtpcheck.TLS, user, sentinel, addr), smtpcheck.StatusTLSError, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r := smtpcheck.Check(ctx, tc.target)
			if r.Status != tc.status || r.Code != tc.code || !strings.Contains(r.Message, tc.message) {
				t.Fatalf("%s %q %q; want %s %q with %q\n%s", r.Status, r.Code, r.Message, tc.status, tc.code, tc.message, pf.Log())
			}
			if r.OK() != r.Envelope {
				t.Errorf("ok %v but envelope %v", r.OK(), r.Envelope)
			}
		})
	}
	// Nothing queued: no queue file left, no queue manager ever saw a
	// message, no message-id from cleanup.
	waitLog(t, pf, "disconnect from", strings.Count(pf.Log(), ": connect from"))
	log := pf.Log()
	if q := pf.Queued(); len(q) > 0 {
		t.Errorf("queue not empty after checks: %v", q)
	}
	if m := regexp.MustCompile(`(?m)(qmgr\[\d+\]: [0-9A-F]+: from=|cleanup\[\d+\]: [0-9A-F]+: message-id=)`).FindString(log); m != "" {
		t.Errorf("a check queued a message (%s):\n%s", m, log)
	}
	if !strings.Contains(log, "sasl_username="+user) {
		t.Errorf("the log shows no SASL login; is it the log at all?\n%s", log)
	}
	for _, s := range []string{sentinel, base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + sentinel))} {
		if strings.Contains(log, s) || strings.Contains(d.Log(), s) {
			t.Errorf("the password is in a server's log")
		}
	}
}

// waitLog waits until the log has as many disconnects as connects seen
// when called (a check's QUIT is answered after its result).
func waitLog(t *testing.T, pf *testsmtp.Postfix, word string, n int) {
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(pf.Log(), word) < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}
