//go:build unix

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fastGet builds cmd/imapvault-get into dir with an `imapvault` beside it
// that stands for the test binary and notes each hand-over in handed.
func buildFastGet(t *testing.T, s *sandbox) (bin, handed string) {
	t.Helper()
	dir := filepath.Join(s.dir, "bin")
	os.MkdirAll(dir, 0o700)
	bin = filepath.Join(dir, "imapvault-get")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/imapvault/imapvault/cmd/imapvault-get").CombinedOutput(); err != nil {
		t.Fatalf("go build imapvault-get: %v\n%s", err, out)
	}
	handed = filepath.Join(s.dir, "handed")
	wrapper := "#!/bin/sh\necho \"$@\" >> \"$IMAPVAULT_TEST_HANDED\"\nexec \"$IMAPVAULT_TEST_BIN\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "imapvault"), []byte(wrapper), 0o700); err != nil {
		t.Fatal(err)
	}
	s.env = append(s.env, "IMAPVAULT_TEST_BIN="+os.Args[0], "IMAPVAULT_TEST_HANDED="+handed)
	return bin, handed
}

// imapvault-get answers from the unlocked agent by itself, and hands
// everything else to `imapvault get`, whose exit codes and words it keeps.
func TestFastGet(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Fast-Get-pw-1")
	s.add("home", "Fast-Get-pw-2", "--port", "143", "--security", "starttls")
	bin, handed := buildFastGet(t, s.sandbox)
	detached := &syscall.SysProcAttr{Setsid: true}
	fast := func(args ...string) result { return s.execProgram(bin, "", detached, args...) }
	handOvers := func() string {
		b, _ := os.ReadFile(handed)
		os.Remove(handed)
		return string(b)
	}

	// Locked: handed over, and exit 3 with get's own line, at once.
	r, want := fast("work"), s.detached("get", "work")
	if r.code != exitLocked || r.stderr != want.stderr || r.stdout != "" {
		t.Fatalf("locked: exit %d %q %q; imapvault get says %d %q", r.code, r.stdout, r.stderr, want.code, want.stderr)
	}
	if got := handOvers(); got != "get work\n" {
		t.Fatalf("locked: handed over %q, want one `get work`", got)
	}

	s.unlock()
	answered := []struct {
		args []string
		out  string
	}{
		{[]string{"work"}, "Fast-Get-pw-1\n"},
		{[]string{"home", "--field", "port"}, "143\n"},
		{[]string{"--field=security", "home"}, "starttls\n"},
		{[]string{"--host", "imap.home.example", "-user", "u-home", "--no-prompt"}, "Fast-Get-pw-2\n"},
		{[]string{"--vault", s.vault, "--identity=" + s.identity, "--", "work"}, "Fast-Get-pw-1\n"},
	}
	for _, tc := range answered {
		r := fast(tc.args...)
		if r.code != 0 || r.stdout != tc.out || r.stderr != "" {
			t.Errorf("%v: exit %d %q %q, want %q", tc.args, r.code, r.stdout, r.stderr, tc.out)
		}
		if h := handOvers(); h != "" {
			t.Errorf("%v: handed over (%q) although the agent could answer", tc.args, h)
		}
	}

	// No --vault, no IMAPVAULT_*: the XDG defaults, found as imapvault
	// finds them (here symlinks to the sandbox's files).
	for _, l := range [][2]string{{s.vault, "xdg-data/imapvault/vault.age"}, {s.identity, "xdg-config/imapvault/identity.age"}} {
		link := filepath.Join(s.dir, l[1])
		os.MkdirAll(filepath.Dir(link), 0o700)
		if err := os.Symlink(l[0], link); err != nil {
			t.Fatal(err)
		}
	}
	env := s.env
	s.env = append(s.env, "IMAPVAULT_VAULT=", "IMAPVAULT_IDENTITY=")
	if r := fast("home"); r.code != 0 || r.stdout != "Fast-Get-pw-2\n" || handOvers() != "" {
		t.Errorf("default paths: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	s.env = env

	// What the agent can't answer goes to imapvault with the same words.
	handedOver := []struct {
		args []string
		code int
	}{
		{[]string{"nobody"}, exitFound},
		{[]string{"work", "--field", "bogus"}, exitFailure},
		{[]string{"work", "home"}, exitFailure},
		{[]string{"--user", "u-home"}, exitFailure},
		{[]string{"work", "--frobnicate"}, exitFailure},
		{[]string{"--help"}, exitOK},
	}
	for _, tc := range handedOver {
		r := fast(tc.args...)
		want := s.detached(append([]string{"get"}, tc.args...)...)
		if r.code != tc.code || r.code != want.code || r.stdout != want.stdout || r.stderr != want.stderr {
			t.Errorf("%v: exit %d %q %q; imapvault get: exit %d %q %q", tc.args, r.code, r.stdout, r.stderr, want.code, want.stdout, want.stderr)
		}
		if h := handOvers(); h != "get "+strings.Join(tc.args, " ")+"\n" {
			t.Errorf("%v: handed over %q", tc.args, h)
		}
	}

	// An agent unlocked for another identity file does not answer for this
	// one: imapvault decides (here: no terminal, so exit 3).
	other := filepath.Join(s.dir, "config", "other.age")
	os.WriteFile(other, readFile(t, s.identity), 0o600)
	if r := fast("--identity", other, "work"); r.code != exitLocked || handOvers() == "" {
		t.Errorf("another identity: exit %d %q, want a hand-over and 3", r.code, r.stderr)
	}
}

// Without imapvault beside it or on PATH, imapvault-get says what to
// install instead of failing obscurely.
func TestFastGetWithoutImapvault(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Fast-Get-pw-3")
	bin, _ := buildFastGet(t, s.sandbox)
	os.Remove(filepath.Join(filepath.Dir(bin), "imapvault"))
	s.env = append(s.env, "PATH=/nonexistent")
	r := s.execProgram(bin, "", &syscall.SysProcAttr{Setsid: true}, "work")
	if r.code != exitFailure || !strings.Contains(r.stderr, "imapvault itself was not found") || !strings.Contains(r.stderr, "hint: install imapvault") {
		t.Errorf("exit %d %q", r.code, r.stderr)
	}
}

// client-config writes imapvault-get when it is on PATH, imapvault get
// otherwise (with a hint on stderr, never in the block).
func TestClientConfigPrefersFastGet(t *testing.T) {
	s, _ := ccSandbox(t)
	r := s.must("", "client-config", "mbsync", ccName)
	if !strings.Contains(r.stdout, `PassCmd "imapvault --vault `) || !strings.Contains(r.stderr, "hint: install imapvault-get") {
		t.Fatalf("without imapvault-get on PATH:\n%s%s", r.stdout, r.stderr)
	}
	bin, _ := buildFastGet(t, s)
	s.env = append(s.env, "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
	r = s.must("", "client-config", "mbsync", ccName)
	if !strings.Contains(r.stdout, `PassCmd "imapvault-get --vault `) || strings.Contains(r.stdout, " get ") || r.stderr != "" {
		t.Fatalf("with imapvault-get on PATH:\n%s%s", r.stdout, r.stderr)
	}
}
