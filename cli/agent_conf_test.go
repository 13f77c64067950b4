//go:build unix

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

// agentConf writes the sandbox's agent.conf.
func (s *agentSandbox) agentConf(text string, mode os.FileMode) string {
	s.t.Helper()
	p := filepath.Join(s.dir, "xdg-config", "imapvault", "agent.conf")
	os.MkdirAll(filepath.Dir(p), 0o700)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *agentSandbox) status(want ...string) {
	s.t.Helper()
	r := s.detached("agent", "status")
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			s.t.Errorf("agent status lacks %q:\n%s%s", w, r.stdout, r.stderr)
		}
	}
}

// The idle timeout is a setting: agent.conf's ttl and max are what every
// unlock without --ttl/--max gives, and agent status shows them (#29).
func TestAgentIdleLimitSetting(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Conf-Sentinel-pw-1")
	s.status("not running", "gives idle limit 15m, max 8h (the default; set ttl in ")

	conf := s.agentConf("# a sync every 30 minutes\nttl = 2h\nmax = 12h\n", 0o600)
	s.unlock()
	s.status("unlocked, locks in ", "idle limit 2h now; an unlock without --ttl/--max gives idle limit 2h, max 12h (ttl in "+conf+")")
	s.must("", "lock")
	s.unlock("--ttl", "30m")
	s.status("idle limit 30m now; an unlock without --ttl/--max gives idle limit 2h")
	s.must("", "agent", "stop")

	// A get in a terminal unlocks the agent with the same limits.
	ptm, pts := openPTY(t)
	cmd := s.prepare(os.Args[0], "get", "work")
	var out bytes.Buffer
	term := &screenLog{}
	cmd.Stdin, cmd.Stderr, cmd.Stdout = pts, pts, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	go copyAll(term, ptm)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })
	testwait.For(t, "get to ask for the passphrase", func() bool { return strings.Contains(term.String(), "Passphrase for") })
	ptm.Write([]byte("test passphrase\n"))
	select {
	case err := <-done:
		if err != nil || out.String() != "Conf-Sentinel-pw-1\n" {
			t.Fatalf("get: %v %q, terminal %q", err, out.String(), term.String())
		}
	case <-time.After(testwait.Patience):
		t.Fatalf("get did not finish; terminal %q", term.String())
	}
	s.status("idle limit 2h now")
	s.must("", "lock")

	// A file that can't be used stops the unlock that needs it, says
	// which line, and leaves unlocks with both flags alone.
	for _, tc := range []struct {
		text string
		mode os.FileMode
		want string
	}{
		{"ttl = 2 hours\n", 0o600, "line 1: ttl wants a duration"},
		{"ttl = 2h\n", 0o666, "others may write"},
		{"ttl = 0\nmax = 0\n", 0o600, "would never lock"},
	} {
		s.agentConf(tc.text, tc.mode)
		r := s.run("", "unlock", "--passphrase-file", s.passFile)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "hint: fix or remove "+conf) {
			t.Errorf("%q: exit %d %q", tc.text, r.code, r.stderr)
		}
		s.status("an unlock without --ttl/--max fails: ", tc.want)
	}
	s.unlock("--ttl", "1h", "--max", "2h")
	s.status("idle limit 1h now")
}
