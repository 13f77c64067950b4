//go:build unix

package cli

import (
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestRotateRedactsOnlyItsOwnPasswords: rotating one account redacts that
// account's passwords from what it prints, not another account's (whose
// password here holds "hook" and "exited"), and never the pieces of a
// password that are also the account's name.
func TestRotateRedactsOnlyItsOwnPasswords(t *testing.T) {
	const mailboxOld = "mailbox-Old-9931x"
	s := newRotSandbox(t)
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{rotUser: mailboxOld}})
	s.must(mailboxOld+"\n", "add", "--name", "mailbox", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()),
		"--user", rotUser, "--password-stdin")
	other := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": "the-hook-exited-77"}})
	s.must("the-hook-exited-77\n", "add", "--name", "alice", "--host", other.Host(), "--port", strconv.Itoa(other.Port()),
		"--user", "alice", "--password-stdin")
	r := s.runDetached("rotate", "mailbox", "--hook", "exit 1")
	out := r.stdout + r.stderr
	if r.code == 0 {
		t.Fatalf("a failing hook committed:\n%s", out)
	}
	for _, want := range []string{`account "mailbox"`, "hook exited with status 1", "running the hook"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q (redacted by accident?):\n%s", want, out)
		}
	}
	if strings.Contains(out, mailboxOld) || strings.Contains(out, "Old-9931") {
		t.Errorf("the rotated account's password shows:\n%s", out)
	}
}
