package lastcheck

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/vault"
)

func TestRecord(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	notAfter := at.Add(30 * 24 * time.Hour)
	tests := []struct {
		name string
		in   imapcheck.Result
		want vault.Check
	}{
		{"ok keeps no error text", imapcheck.Result{Status: imapcheck.StatusOK, Message: "LOGIN completed", At: at,
			Timings: imapcheck.Timings{Connect: 2 * time.Millisecond, TLS: 5 * time.Millisecond, Login: 3 * time.Millisecond, Total: 12 * time.Millisecond},
			TLS:     &imapcheck.TLSInfo{Version: "TLS 1.3", Subject: "CN=x", Issuer: "CN=ca", NotAfter: notAfter, DaysLeft: 30}},
			vault.Check{At: at, Status: "ok", LatencyMS: 12, ConnectMS: 2, TLSMS: 5, LoginMS: 3,
				TLS: &vault.TLSInfo{Version: "TLS 1.3", Subject: "CN=x", Issuer: "CN=ca", NotAfter: notAfter, DaysLeft: 30}}},
		{"failure keeps the server's words and code", imapcheck.Result{Status: imapcheck.StatusAuthFailed, Code: "AUTHENTICATIONFAILED",
			Message: "Invalid credentials", Alert: "use an app password", At: at},
			vault.Check{At: at, Status: "auth_failed", Code: "AUTHENTICATIONFAILED", Error: "Invalid credentials", Alert: "use an app password"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Record(tc.in)
			if got.Status != tc.want.Status || got.Error != tc.want.Error || got.Code != tc.want.Code || got.Alert != tc.want.Alert ||
				got.LatencyMS != tc.want.LatencyMS || got.ConnectMS != tc.want.ConnectMS || got.TLSMS != tc.want.TLSMS ||
				got.LoginMS != tc.want.LoginMS || !got.At.Equal(tc.want.At) {
				t.Errorf("Record = %+v, want %+v", *got, tc.want)
			}
			if (got.TLS == nil) != (tc.want.TLS == nil) || (got.TLS != nil && *got.TLS != *tc.want.TLS) {
				t.Errorf("TLS = %+v, want %+v", got.TLS, tc.want.TLS)
			}
		})
	}
}

func newVault(t *testing.T) (string, *vault.Identity, *vault.Account) {
	t.Helper()
	dir := t.TempDir()
	k, _ := age.GenerateX25519Identity()
	idPath := filepath.Join(dir, "id.txt")
	os.WriteFile(idPath, []byte(k.String()+"\n"), 0o600)
	id, err := vault.LoadIdentity(idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := vault.Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := &vault.Account{Name: "work", Host: "h", Username: "u", Password: "p"}
	f.Vault.Add(a, time.Now())
	f.Vault.Add(&vault.Account{Name: "other", Host: "h", Username: "u", Password: "q"}, time.Now())
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path, id, a
}

// Store rereads the vault, so an edit saved while the checks ran survives.
func TestStoreKeepsEditsMadeMeanwhile(t *testing.T) {
	path, id, work := newVault(t)
	f, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("other").Notes = "edited during the check"
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if err := Store(path, id, map[string]*vault.Check{work.ID: {Status: "ok", At: time.Now()}}, time.Second); err != nil {
		t.Fatal(err)
	}
	g, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if c := g.Vault.Find("work").LastCheck; c == nil || c.Status != "ok" {
		t.Errorf("work's check not stored: %+v", c)
	}
	if n := g.Vault.Find("other").Notes; n != "edited during the check" {
		t.Errorf("the edit made meanwhile was lost: %q", n)
	}
}

// A writer holding the lock past the wait makes Store fail, saying who.
func TestStoreWaitsForTheLockThenGivesUp(t *testing.T) {
	path, id, work := newVault(t)
	l, err := vault.AcquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	err = Store(path, id, map[string]*vault.Check{work.ID: {Status: "ok"}}, 300*time.Millisecond)
	var locked *vault.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("Store under a held lock: %v; want *vault.LockedError", err)
	}
}

// TestStoreKeepsTheSMTPHalfACheckNeverReached: a check that stopped on the
// IMAP side (a refused token) says nothing of SMTP; the last SMTP check
// stays.
func TestStoreKeepsTheSMTPHalfACheckNeverReached(t *testing.T) {
	path, id, work := newVault(t)
	f, err := vault.OpenLocked(path, id)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.FindID(work.ID)
	a.SMTP = &vault.Endpoint{Host: "smtp.example.test", Port: 465, Security: vault.TLS}
	smtpAt := time.Now().Add(-time.Hour)
	a.LastCheck = &vault.Check{Status: "ok", At: smtpAt, SMTP: &vault.Check{Status: "ok", At: smtpAt}}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := Store(path, id, map[string]*vault.Check{work.ID: {Status: "token_revoked", At: time.Now()}}, time.Second); err != nil {
		t.Fatal(err)
	}
	g, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	c := g.Vault.FindID(work.ID).LastCheck
	if c.Status != "token_revoked" || c.SMTP == nil || c.SMTP.Status != "ok" || !c.SMTP.At.Equal(smtpAt) {
		t.Fatalf("stored %+v smtp %+v", c, c.SMTP)
	}
}
