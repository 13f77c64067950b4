package lastcheck

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/vault"
)

// Run proves both sides of each account in one slot; an account without
// an endpoint gets no SMTP result, one whose SMTP server refuses it fails
// as a whole, and the record carries the SMTP half.
func TestRunChecksBothSides(t *testing.T) {
	const pw = "one password for both"
	imap := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": pw, "bob": pw, "carol": pw}})
	smtp := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{"alice": pw, "smtp-bob": pw},
		Senders: map[string][]string{"smtp-bob": {"bob@example.test"}}})
	ep := &vault.Endpoint{Host: smtp.Host(), Port: smtp.Port(), Security: vault.TLS}
	accts := []*vault.Account{
		{Name: "alice", Host: imap.Host(), Port: imap.Port(), Security: vault.TLS, Username: "alice", Password: pw, Address: "alice@example.test", SMTP: ep},
		{Name: "bob", Host: imap.Host(), Port: imap.Port(), Security: vault.TLS, Username: "bob", Password: pw, Address: "bob@example.test",
			SMTP: &vault.Endpoint{Host: ep.Host, Port: ep.Port, Security: vault.TLS, Username: "smtp-bob"}},
		{Name: "carol", Host: imap.Host(), Port: imap.Port(), Security: vault.TLS, Username: "carol", Password: pw, Address: "carol@example.test", SMTP: ep},
		{Name: "dave", Host: imap.Host(), Port: imap.Port(), Security: vault.TLS, Username: "carol", Password: pw},
	}
	conf := &tls.Config{RootCAs: imap.RootCAs()}
	got := make([]Both, len(accts))
	for it := range Run(context.Background(), imapcheck.Pool{Concurrency: 2, PerHost: 2, Timeout: 10 * time.Second}, accts, conf) {
		got[it.Index] = it.Result
	}
	want := []struct {
		imap, smtp string
		ok         bool
	}{{"ok", "ok", true}, {"ok", "ok", true}, {"ok", "auth_failed", false}, {"ok", "", true}}
	for i, w := range want {
		b := got[i]
		smtpStatus := ""
		if b.SMTP != nil {
			smtpStatus = string(b.SMTP.Status)
		}
		if string(b.IMAP.Status) != w.imap || smtpStatus != w.smtp || b.OK() != w.ok {
			t.Errorf("%s: imap %s smtp %q ok %v; want %s %q %v", accts[i].Name, b.IMAP.Status, smtpStatus, b.OK(), w.imap, w.smtp, w.ok)
		}
		rec := RecordBoth(b)
		if (rec.SMTP != nil) != (w.smtp != "") || rec.SMTP != nil && rec.SMTP.Status != w.smtp {
			t.Errorf("%s: record's SMTP half %+v", accts[i].Name, rec.SMTP)
		}
	}
	if got[2].SMTP != nil && got[2].SMTP.Message == "" {
		t.Errorf("refusal kept no words")
	}
	if smtp.Logins() != 3 || smtp.Datas() != 0 {
		t.Errorf("SMTP server saw %d logins and %d DATA; want 3 and 0", smtp.Logins(), smtp.Datas())
	}
}

func TestSMTPTargetUsesTheEndpointsLogin(t *testing.T) {
	a := &vault.Account{Name: "x", Username: "imap-login", Password: "pw", Address: "x@example.test"}
	if _, ok := SMTPTarget(a, nil); ok {
		t.Fatal("an account without an endpoint has an SMTP target")
	}
	a.SMTP = &vault.Endpoint{Host: "smtp.example.test", Security: vault.STARTTLS}
	tg, _ := SMTPTarget(a, nil)
	if tg.Username != "imap-login" || tg.Port != 587 || tg.Security != "starttls" || tg.Address != "x@example.test" {
		t.Errorf("%+v", tg)
	}
	a.SMTP.Username = "smtp-login"
	if tg, _ = SMTPTarget(a, nil); tg.Username != "smtp-login" {
		t.Errorf("own username not used: %q", tg.Username)
	}
}
