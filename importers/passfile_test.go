//go:build unix

package importers

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// remotepassfile is a file read as offlineimap reads it, not a command.
func TestOfflineimapPassFile(t *testing.T) {
	r, err := ParseOfflineimap("rc", []byte("[general]\naccounts = A\n[Account A]\nremoterepository = R\n[Repository R]\ntype = IMAP\nremotehost = h\nremoteuser = u\nremotepassfile = ~/.pw; touch PWNED\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Accounts[0]; a.PassFile != "~/.pw; touch PWNED" || a.PassCmd != "" {
		t.Fatalf("got %+v", a)
	}
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".pw; touch PWNED"), []byte("  S3cret pass \nsecond line\n"), 0o600)
	if pw, err := ReadPassFile("~/.pw; touch PWNED", home); err != nil || pw != "S3cret pass" {
		t.Fatalf("ReadPassFile: %q %v", pw, err)
	}
	fifo := filepath.Join(home, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	for _, bad := range []string{fifo, "/dev/zero", filepath.Join(home, "missing")} {
		if _, err := ReadPassFile(bad, home); err == nil {
			t.Errorf("%s was read", bad)
		}
	}
	os.WriteFile(filepath.Join(home, "empty"), []byte("\nS3cret\n"), 0o600)
	if _, err := ReadPassFile("~/empty", home); err == nil || strings.Contains(err.Error(), "S3cret") {
		t.Errorf("an empty first line: %v", err)
	}
	if got := ExpandHome("~", home); got != home {
		t.Errorf("~ is %s", got)
	}
}
