//go:build unix

package cli

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/vault"
)

// configWith is an autoconfig file naming IMAP (implicit TLS) and SMTP
// (socket: SSL or STARTTLS) at the given ports on 127.0.0.1, and the SMTP
// login (%EMAILADDRESS% or %EMAILLOCALPART%).
func configWith(imapPort, smtpPort int, socket, smtpUser string) string {
	return `<?xml version="1.0"?><clientConfig version="1.2"><emailProvider id="x">
<incomingServer type="imap"><hostname>127.0.0.1</hostname><port>` + strconv.Itoa(imapPort) + `</port>
<socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>127.0.0.1</hostname><port>` + strconv.Itoa(smtpPort) + `</port><socketType>` + socket + `</socketType>
<authentication>password-cleartext</authentication><username>` + smtpUser + `</username></outgoingServer>
</emailProvider></clientConfig>`
}

// TestAddAddressProvesSMTP: add --address proves the discovered SMTP
// server as check does, against a real Postfix whose AUTH goes to the
// same real Dovecot as IMAP: both sides shown, saved only when both work,
// a failure on the sending side named as such (a wrong discovered login,
// a sender the login may not use), --no-check saves anyway, and no check
// leaves a message in Postfix's queue.
func TestAddAddressProvesSMTP(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	const pw, annPW = "fred-right-Pa55word", "ann-right-Pa55word"
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{AuthInet: true,
		Users: map[string]string{"fred@alpha.test": pw, "ann@beta.test": annPW, "gus@gamma.test": pw}})
	pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: d.AuthAddr(),
		SenderLogins: map[string][]string{"fred@alpha.test": {"fred@alpha.test"}, "ann@beta.test": {"someone-else"}}})
	discoverWorld(t, s, map[string]string{
		// STARTTLS on the strict service: fred may send as himself.
		"autoconfig.alpha.test/mail/config-v1.1.xml": configWith(d.ImplicitPort(), pf.StrictPort(), "STARTTLS", "%EMAILADDRESS%"),
		// The strict service again: ann's login may not send as ann@.
		"autoconfig.beta.test/mail/config-v1.1.xml": configWith(d.ImplicitPort(), pf.StrictPort(), "STARTTLS", "%EMAILADDRESS%"),
		// Implicit TLS, but the file names the wrong SMTP login.
		"autoconfig.gamma.test/mail/config-v1.1.xml": configWith(d.ImplicitPort(), pf.SMTPSPort(), "SSL", "%EMAILLOCALPART%"),
	}, testimap.DNSRecords{})
	s.init()
	pff := "--passphrase-file=" + s.passFile
	var outs []string
	run := func(stdin string, args ...string) result {
		r := s.run(stdin, append(args, pff)...)
		outs = append(outs, r.stdout, r.stderr)
		return r
	}
	saved := func(name string) *vault.Account {
		f, err := vault.Open(s.vault, loadTestIdentity(t, s))
		if err != nil {
			t.Fatal(err)
		}
		return f.Vault.Find(name)
	}

	// Both sides work: both shown, saved with both halves of the check.
	r := run(pw+"\n", "add", "--address", "fred@alpha.test", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stdout, "IMAP login ok") || !strings.Contains(r.stdout, "SMTP login ok") ||
		!strings.Contains(r.stdout, "may send as fred@alpha.test") {
		t.Fatalf("both ok: exit %d\n%s%s\npostfix:\n%s", r.code, r.stdout, r.stderr, pf.Log())
	}
	a := saved("fred@alpha.test")
	if a == nil || a.SMTP == nil || a.SMTP.Port != pf.StrictPort() || a.LastCheck == nil || a.LastCheck.Status != "ok" ||
		a.LastCheck.SMTP == nil || a.LastCheck.SMTP.Status != "ok" || a.LastCheck.SMTP.LastOK.IsZero() {
		t.Fatalf("saved %+v, check %+v", a, a.LastCheck)
	}

	// A wrong password: both sides refuse; IMAP's is the one to fix.
	r = run("wrong-Pa55word-x\n", "add", "--address", "fred@alpha.test", "--name", "wrong", "--password-stdin")
	if r.code != 1 || !strings.Contains(r.stderr, "the IMAP login to") || !strings.Contains(r.stderr, "the SMTP check at") ||
		!strings.Contains(r.stderr, "check the password") || saved("wrong") != nil {
		t.Fatalf("a wrong password: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// IMAP takes the password, SMTP will not let the login send as the
	// address: nothing saved, and the error says it was SMTP.
	for _, c := range []struct{ address, password, status, hint string }{
		{"ann@beta.test", annPW, "sender_refused", "may not send as this address"},
		{"gus@gamma.test", pw, "auth_failed", "--smtp-user"},
	} {
		r = run(c.password+"\n", "add", "--address", c.address, "--password-stdin")
		if r.code != 1 || !strings.Contains(r.stdout, "IMAP login ok") || !strings.Contains(r.stdout, "SMTP login FAILED: "+c.status) ||
			!strings.Contains(r.stderr, "the SMTP check at 127.0.0.1:") || strings.Contains(r.stderr, "the IMAP login to") ||
			!strings.Contains(r.stderr, c.status) || !strings.Contains(r.stderr, c.hint) || !strings.Contains(r.stderr, "nothing was saved") {
			t.Fatalf("%s: exit %d\n%s%s", c.address, r.code, r.stdout, r.stderr)
		}
		if saved(c.address) != nil {
			t.Fatalf("%s saved after SMTP refused it", c.address)
		}
	}

	// --no-check saves it anyway, says which side failed, and keeps the
	// failed SMTP half as the last check.
	r = run(pw+"\n", "add", "--address", "gus@gamma.test", "--no-check", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stderr, "the SMTP check at") || !strings.Contains(r.stderr, "saving anyway") ||
		!strings.Contains(r.stdout, "next: 'imapvault check") {
		t.Fatalf("--no-check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if a := saved("gus@gamma.test"); a == nil || a.LastCheck.Status != "ok" || a.LastCheck.SMTP == nil || a.LastCheck.SMTP.Status != "auth_failed" {
		t.Fatalf("--no-check saved %+v", a)
	}

	// The proof sent no mail, and no password reached any output.
	if q := pf.Queued(); len(q) > 0 {
		t.Errorf("queue not empty after the proofs: %v", q)
	}
	if m := regexp.MustCompile(`cleanup\[\d+\]: [0-9A-F]+: message-id=`).FindString(pf.Log()); m != "" {
		t.Errorf("a proof queued a message (%s)", m)
	}
	if !strings.Contains(pf.Log(), "sasl_username=fred@alpha.test") {
		t.Errorf("Postfix logged no login of fred; is it the log at all?\n%s", pf.Log())
	}
	for _, out := range outs {
		if strings.Contains(out, pw) || strings.Contains(out, annPW) {
			t.Errorf("a password reached the output: %q", out)
		}
	}
}
