//go:build unix

package rotate

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

const testAddress = "rotor@example.test"

// withSMTP gives the test vault's account an SMTP endpoint and address.
func withSMTP(t *testing.T, f *vault.File, host string, port int, sec vault.Security) {
	t.Helper()
	a := f.Vault.Find(accountName)
	a.Address = testAddress
	a.SMTP = &vault.Endpoint{Host: host, Port: port, Security: sec}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

// A rotation whose hook changes the IMAP server's password store but not
// the one Postfix's SASL asks (a second Dovecot, as when submission runs
// on another machine) must not commit: IMAP takes the new password, SMTP
// refuses it, the rotation stays pending with a note naming SMTP, the old
// password stays current and the error is a verify failure (exit 1). Once
// the second store has it too, --resume proves both sides and commits.
func TestRotationWaitsForSMTP(t *testing.T) {
	imapSide := testimap.StartDovecot(t, map[string]string{testUser: oldSentinel})
	smtpSide := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{testUser: oldSentinel}, AuthInet: true})
	pf := testsmtp.StartPostfix(t, testsmtp.PostfixOptions{AuthAddr: smtpSide.AuthAddr()})
	srv := &server{kind: "dovecot", host: imapSide.Host(), port: imapSide.ImplicitPort(), tls: &tls.Config{RootCAs: imapSide.RootCAs()},
		setPw: func(pw string) error { return imapSide.SetPassword(testUser, pw) }, excludes: ":"}
	f, path, id := testVault(t, srv)
	defer f.Close()
	withSMTP(t, f, pf.Host(), pf.SubmissionPort(), vault.STARTTLS)

	rl := newRelay(t, func(pw string) {
		if err := srv.setPw(pw); err != nil {
			t.Error(err)
		}
	})
	ev := &events{}
	opts := Options{Hook: rl.hook(), VerifyTimeout: 2 * time.Second, TLSConfig: srv.tls, Progress: ev.add,
		Record:     func(r imapcheck.Result) *vault.Check { return &vault.Check{Status: string(r.Status)} },
		RecordSMTP: func(r smtpcheck.Result) *vault.Check { return &vault.Check{Status: string(r.Status)} }}
	_, err := Run(context.Background(), f, accountName, opts)
	var verr *VerifyError
	if !errors.Is(err, ErrVerifyFailed) || !Failed(err) || !errors.As(err, &verr) || verr.Side != "smtp" || verr.SMTPStatus != smtpcheck.StatusAuthFailed {
		t.Fatalf("Run: %v (%#v); want an SMTP verify failure", err, verr)
	}
	a := reopen(t, path, id)
	if a.Password != oldSentinel || a.Pending == nil || a.Pending.State != vault.PendingApplied {
		t.Fatalf("after SMTP refused: password changed %v, pending %+v", a.Password != oldSentinel, a.Pending)
	}
	if n := a.Pending.Note; !strings.Contains(n, "logs in to IMAP, but SMTP") || !strings.Contains(n, "535 5.7.8") || !strings.Contains(n, "old password stays current") {
		t.Errorf("note does not say which side refused: %q", n)
	}
	if strings.Contains(a.Pending.Note, a.Pending.Password) || strings.Contains(pf.Log(), a.Pending.Password) {
		t.Fatal("the new password is in the note or Postfix's log")
	}
	newPw := a.Pending.Password
	smtpAttempts := 0
	ev.mu.Lock()
	for _, e := range ev.list {
		if e.Step == StepAttempt && e.SMTP != nil {
			smtpAttempts++
		}
	}
	ev.mu.Unlock()
	if smtpAttempts < 2 {
		t.Errorf("SMTP was not retried: %d SMTP attempts", smtpAttempts)
	}

	// The submission side catches up; resume proves both and commits.
	if err := smtpSide.SetPassword(testUser, newPw); err != nil {
		t.Fatal(err)
	}
	f2, err := vault.OpenLocked(path, id)
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	opts.VerifyTimeout = 20 * time.Second
	if _, err := Resume(context.Background(), f2, accountName, opts); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	a = reopen(t, path, id)
	if a.Password != newPw || a.Pending != nil || a.LastCheck == nil || a.LastCheck.SMTP == nil || a.LastCheck.SMTP.Status != "ok" {
		t.Fatalf("after resume: committed %v, pending %+v, last check %+v", a.Password == newPw, a.Pending, a.LastCheck)
	}
	if len(pf.Queued()) != 0 {
		t.Errorf("verification queued mail: %v", pf.Queued())
	}
}

// One store behind both (Postfix asks the IMAP server's own Dovecot): the
// rotation proves SMTP and commits, and the committed check has both halves.
func TestRotationProvesSMTPWithOneStore(t *testing.T) {
	imap := testimap.Start(t, testimap.Options{Users: map[string]string{testUser: oldSentinel}})
	smtp := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{testUser: oldSentinel}})
	srv := &server{kind: "inproc", host: imap.Host(), port: imap.Port(), tls: &tls.Config{RootCAs: imap.RootCAs()},
		setPw: func(pw string) error { imap.SetPassword(testUser, pw); smtp.SetPassword(testUser, pw); return nil }}
	f, path, id := testVault(t, srv)
	defer f.Close()
	withSMTP(t, f, smtp.Host(), smtp.Port(), vault.TLS)
	rl := newRelay(t, func(pw string) { _ = srv.setPw(pw) })
	_, err := Run(context.Background(), f, accountName, Options{Hook: rl.hook(), VerifyTimeout: 10 * time.Second, TLSConfig: srv.tls,
		Record:     func(r imapcheck.Result) *vault.Check { return &vault.Check{Status: string(r.Status)} },
		RecordSMTP: func(r smtpcheck.Result) *vault.Check { return &vault.Check{Status: string(r.Status)} }})
	if err != nil {
		t.Fatal(err)
	}
	a := reopen(t, path, id)
	if a.Pending != nil || a.Password == oldSentinel || a.LastCheck == nil || a.LastCheck.SMTP == nil || a.LastCheck.SMTP.Status != "ok" {
		t.Fatalf("not committed with both halves: %+v %+v", a.Pending, a.LastCheck)
	}
	if smtp.Mails() == 0 || smtp.Datas() != 0 {
		t.Errorf("SMTP verification: %d MAIL, %d DATA; want some and none", smtp.Mails(), smtp.Datas())
	}
}
