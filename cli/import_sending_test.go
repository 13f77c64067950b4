//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// import --from msmtp (default ~/.msmtprc) joins each msmtp account to its
// vault account: reported without --update, filled in with it; the
// plaintext password is never printed, and one that differs from the
// vault's is not taken; accounts nothing matches are reported with what
// to do.
func TestImportMsmtpFillsSendingHalves(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.must("vault-work-pw\n", "add", "--name", "Work", "--host", "imap.work.example", "--user", "jane@work.example", "--password-stdin", "--passphrase-file", s.passFile)
	s.must("vault-home-pw\n", "add", "--name", "Home", "--host", "mail.home.example", "--user", "jane", "--password-stdin", "--passphrase-file", s.passFile)
	home := filepath.Join(s.dir, "home")
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, ".msmtprc"), readFile(t, filepath.Join("..", "importers", "testdata", "msmtp", "msmtprc")), 0o600)
	s.env = append(s.env, "HOME="+home)
	r := s.noTerminal("", "import", "--from", "msmtp", "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"skipped      work  jane@work.example@smtp.work.example:587 starttls (sending)  (the sending half of Work; --update to fill it in)",
		"unmatched    lab  tester@127.0.0.1:1025 insecure (sending)  (no account in the vault or this import has its login or address: add its IMAP account first (imapvault add --address tester@lab.example",
		"summary: 0 added, 0 updated, 8 skipped",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if a := decryptedAccount(t, s, "Work"); a.SMTP != nil {
		t.Fatal("filled in without --update")
	}
	r = s.noTerminal("", "import", "--from", "msmtp", "--update", "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("--update: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"updated      Work  jane@work.example@smtp.work.example:587 starttls (sending)  (smtp, address)",
		"updated      Home  jane@mail.home.example:465 tls (sending)  (smtp, address; its password differs from the vault's, which is kept",
		"imapvault client-config msmtp Work",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--update: stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "home secret") || strings.Contains(r.stdout+r.stderr, "lab-pw") {
		t.Error("a plaintext msmtp password was printed")
	}
	w, h := decryptedAccount(t, s, "Work"), decryptedAccount(t, s, "Home")
	if w.SMTP == nil || w.SMTP.Host != "smtp.work.example" || w.SMTP.Port != 587 || w.Address != "jane@work.example" || w.Password != "vault-work-pw" {
		t.Errorf("Work: %+v %+v", w, w.SMTP)
	}
	if h.SMTP == nil || h.SMTP.Port != 465 || h.Address != "jane@home.example" || h.Password != "vault-home-pw" {
		t.Errorf("Home: %+v %+v", h, h.SMTP)
	}
}

// Imported passwords are dated with the source file's modification time
// (never today, which would hide that they are stale), or --changed; the
// import says which.
func TestImportDatesPasswords(t *testing.T) {
	s := newSandbox(t)
	s.init()
	cfg := s.writeImport("mbsyncrc", "IMAPAccount old\nHost imap.old.example\nUser u\nPass "+importSentinel+"\n")
	mtime := time.Date(2023, 5, 17, 12, 0, 0, 0, time.Local)
	os.Chtimes(cfg, mtime, mtime)
	r := s.noTerminal("", "import", "--from", "mbsync", cfg, "--passphrase-file", s.passFile)
	if r.code != 0 || !strings.Contains(r.stdout, "passwords dated 2023-05-17 (the modification time of "+cfg+"; --changed YYYY-MM-DD gives another)") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if a := decryptedAccount(t, s, "old"); !a.Changed.Equal(mtime) || a.Created.Before(time.Now().Add(-time.Hour)) {
		t.Errorf("changed %v, created %v", a.Changed, a.Created)
	}
	cfg2 := s.writeImport("mbsyncrc2", "IMAPAccount older\nHost imap.older.example\nUser u\nPass "+importSentinel+"-2\n")
	r = s.noTerminal("", "import", "--from", "mbsync", cfg2, "--changed", "2021-02-03", "--passphrase-file", s.passFile)
	if r.code != 0 || !strings.Contains(r.stdout, "passwords dated 2021-02-03 (as --changed says)") {
		t.Fatalf("--changed: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := decryptedAccount(t, s, "older").Changed.Format("2006-01-02"); got != "2021-02-03" {
		t.Errorf("--changed: changed %s", got)
	}
	if r := s.run("", "import", "--from", "mbsync", cfg2, "--changed", "yesterday", "--passphrase-file", s.passFile); r.code != 2 {
		t.Errorf("a bad --changed: exit %d", r.code)
	}
	// audit sees the imported password as old as it is.
	if r := s.run("", "audit", "--json", "--max-age", "365d", "--passphrase-file", s.passFile); !strings.Contains(r.stdout, `"kind": "stale"`) {
		t.Errorf("audit does not find the old password stale:\n%s", r.stdout)
	}
}

// offlineimap's remotepassfile is read (its first line), after consent at
// the terminal or with --yes, never run as a command; without either the
// account is held like one with a command.
func TestImportOfflineimapPassFile(t *testing.T) {
	s := newSandbox(t)
	s.init()
	pw := s.writeImport("pw; touch PWNED", "  "+importSentinel+"-file \nignored\n")
	rc := s.writeImport("offlineimaprc", "[general]\naccounts = A\n[Account A]\nremoterepository = R\n[Repository R]\ntype = IMAP\nremotehost = imap.a.example\nremoteuser = u\nremotepassfile = "+pw+"\n")
	r := s.noTerminal("", "import", "--from", "offlineimap", rc, "--passphrase-file", s.passFile)
	if r.code != 1 || !strings.Contains(r.stdout, "not added    A") {
		t.Fatalf("no terminal: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = s.onTerminal("y", "import", "--from", "offlineimap", rc, "--passphrase-file", s.passFile)
	if r.code != 0 || !strings.Contains(r.stderr, "1 password files will be read:\n  for A:\n    the first line of "+pw+"\n") ||
		!strings.Contains(r.stdout, "password: from its file") {
		t.Fatalf("terminal: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if a := decryptedAccount(t, s, "A"); a.Password != importSentinel+"-file" {
		t.Errorf("password %q", a.Password)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "PWNED")); err == nil {
		t.Error("the file name ran as a command")
	}
	if strings.Contains(r.stdout+r.stderr, importSentinel) {
		t.Error("the password was printed")
	}
}
