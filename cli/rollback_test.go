//go:build unix

package cli

import (
	"os"
	"strings"
	"testing"
)

// An older copy of the vault put back (a sync tool, a shared folder) is
// refused by every command, the agent's answers included, with exit 2,
// when the newer one was opened and what to do; 'trust --rollback' takes
// it on purpose.
func TestRollbackRefusedUntilTrusted(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Rollback-old-pw-1")
	old, err := os.ReadFile(s.vault)
	if err != nil {
		t.Fatal(err)
	}
	s.must("Rollback-new-pw-2\n", "edit", "work", "--password-stdin", "--passphrase-file", s.passFile)
	s.unlock()
	if r := s.detached("get", "work"); r.code != 0 || r.stdout != "Rollback-new-pw-2\n" {
		t.Fatalf("get before: %d %q %s", r.code, r.stdout, r.stderr)
	}
	tmp := s.vault + ".swap"
	os.WriteFile(tmp, old, 0o600)
	os.Rename(tmp, s.vault)

	for _, args := range [][]string{{"get", "work"}, {"list"}, {"get", "work", "--passphrase-file", s.passFile}} {
		r := s.detached(args...)
		if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, "this is an older copy than the one opened on") ||
			!strings.Contains(r.stderr, "hint:") || !strings.Contains(r.stderr, "imapvault trust --rollback") {
			t.Errorf("%v: exit %d %q\n%s", args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "Rollback-old-pw-1") {
			t.Errorf("%v: the old password came out", args)
		}
	}
	r := s.must("", "trust", "--rollback", "--passphrase-file", s.passFile)
	if !strings.Contains(r.stdout, "trusted: ") || !strings.Contains(r.stdout, "this machine had opened generation") {
		t.Errorf("trust --rollback said: %s", r.stdout)
	}
	if r := s.detached("get", "work"); r.code != 0 || r.stdout != "Rollback-old-pw-1\n" {
		t.Fatalf("get after trust --rollback: %d %q %s", r.code, r.stdout, r.stderr)
	}
}
