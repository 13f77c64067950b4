//go:build unix

package cli

import (
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// An account's stored hook rotates it without --hook and without a terminal.
func TestRotateUsesStoredHook(t *testing.T) {
	s := newRotSandbox(t)
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{rotUser: rotOld}})
	s.servers["stored"] = srv
	hook := s.relayHook(nil)
	s.must(rotOld+"\n", "add", "--name", "stored", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()),
		"--user", rotUser, "--password-stdin", "--hook", hook)
	s.must(rotOld+"\n", "add", "--name", "nohook", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()),
		"--user", "other", "--password-stdin")

	r := s.runDetached("rotate", "stored", "--verify-timeout", testwait.Patience.String())
	if r.code != 0 {
		t.Fatalf("rotate with a stored hook: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a := s.account("stored")
	if a.Password == rotOld || a.Pending != nil || len(a.History) != 1 || a.History[0].Password != rotOld {
		t.Errorf("after rotation: pending %v, history %d", a.Pending, len(a.History))
	}
	assertNoRotSecret(t, r, a.Password)

	r = s.runDetached("rotate", "nohook")
	if r.code != 2 || !strings.Contains(r.stderr, "no --hook and no terminal") {
		t.Errorf("no hook anywhere: exit %d %q", r.code, r.stderr)
	}
}
