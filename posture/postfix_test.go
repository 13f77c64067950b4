package posture

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// TestPostfix probes a real Postfix's submission (STARTTLS) and smtps
// services, each with its implicit-TLS twin open. The stock rig (smtpd_tls_auth_only = yes) gives no
// cleartext_auth; the classic misconfiguration (security level may,
// smtpd_tls_auth_only = no: AUTH offered before STARTTLS) gives exactly
// that on the STARTTLS endpoint. Neither is open to STARTTLS injection,
// and no probe ever sends AUTH: Postfix's own per-session command counts
// say so.
func TestPostfix(t *testing.T) {
	// Debian 12's Postfix, left at its TLS defaults as the rig leaves it,
	// still completes TLS 1.0 and 1.1 handshakes and takes ECDHE CBC-SHA256
	// suites: findings on every endpoint, whatever the AUTH rules.
	stock := []string{OldTLS, WeakCipher}
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": "p"}, AuthInet: true})
	for _, c := range []struct {
		name          string
		authBeforeTLS bool
		want          [][]string // submission, smtps
	}{
		{"smtpd_tls_auth_only", false, [][]string{stock, stock}},
		{"AUTH before STARTTLS", true, [][]string{{CleartextAuth, OldTLS, WeakCipher}, stock}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: d.AuthAddr(), AuthBeforeTLS: c.authBeforeTLS})
			eps := []Endpoint{
				{Proto: SMTP, Host: pf.Host(), Port: pf.SubmissionPort(), Security: vault.STARTTLS, ImplicitPort: pf.SMTPSPort()},
				{Proto: SMTP, Host: pf.Host(), Port: pf.SMTPSPort(), Security: vault.TLS},
			}
			rs := New(testOptions(&tls.Config{RootCAs: d.RootCAs()})).Probe(context.Background(), eps)
			for i, r := range rs {
				if r.Err != nil {
					t.Fatalf("%s: %v\n%s", r.Endpoint.Name(), r.Err, pf.Log())
				}
				if got := kindsOf(r.Findings); !slices.Equal(got, c.want[i]) {
					t.Errorf("%s: kinds %v, want %v\n%v", r.Endpoint.Name(), got, c.want[i], r.Findings)
				}
				for _, f := range r.Findings {
					if f.Kind == CleartextAuth && (f.Severity != High || !strings.Contains(f.Message, "AUTH PLAIN")) {
						t.Errorf("cleartext_auth: %+v", f)
					}
				}
			}
			authed := 0
			if c.authBeforeTLS {
				// The control: a login with a random user and password,
				// the one kind a probe may ever confirm with, shows up in
				// the counts the probes are judged by.
				r := smtpcheck.Check(context.Background(), smtpcheck.Target{Name: "control", Host: pf.Host(), Port: pf.SubmissionPort(),
					Security: smtpcheck.Insecure, Username: "nobody-" + rand.Text(), Password: rand.Text(), Address: "nobody@example.test"})
				if r.Status != smtpcheck.StatusAuthFailed {
					t.Fatalf("control login: %s %s", r.Status, r.Message)
				}
				authed = 1
			}
			log := waitDisconnects(t, pf)
			sessions := regexp.MustCompile(`disconnect from \S+ (.*)`).FindAllStringSubmatch(log, -1)
			if len(sessions) == 0 {
				t.Fatalf("Postfix logged no session; is it the log at all?\n%s", log)
			}
			n := 0
			for _, s := range sessions {
				if strings.Contains(s[1], " auth=") {
					n++
				}
			}
			if n != authed {
				t.Errorf("%d sessions sent AUTH, want %d (the control's): a probe logged in\n%s", n, authed, log)
			}
			if c.authBeforeTLS && !strings.Contains(log, "ehlo=") {
				t.Errorf("no EHLO counted: the probe never read the capabilities?\n%s", log)
			}
		})
	}
}

// waitDisconnects waits until Postfix has logged the end of every session
// it logged the start of (the probes' goodbyes are answered after their
// results), then returns its log.
func waitDisconnects(t *testing.T, pf *testsmtp.Postfix) string {
	deadline := time.Now().Add(30 * time.Second)
	for {
		log := pf.Log()
		if strings.Count(log, "disconnect from") >= strings.Count(log, ": connect from") || time.Now().After(deadline) {
			return log
		}
		time.Sleep(20 * time.Millisecond)
	}
}
