//go:build unix

package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// cronEnv is what cron gives a job: no XDG_RUNTIME_DIR. TMPDIR keeps the
// fallback folder in the sandbox.
func (s *agentSandbox) cronEnv() (tmp string, env []string) {
	tmp = filepath.Join(s.dir, "tmp")
	os.MkdirAll(tmp, 0o700)
	return tmp, []string{"XDG_RUNTIME_DIR=", "TMPDIR=" + tmp}
}

// withEnv runs fn with extra entries at the end of every child's
// environment.
func (s *agentSandbox) withEnv(extra []string, fn func()) {
	saved := s.env
	s.env = append(append([]string(nil), s.env...), extra...)
	defer func() { s.env = saved }()
	fn()
}

// Every "locked" message names the socket it asked and what it found
// there; without XDG_RUNTIME_DIR (cron) it says where the desktop
// session's agent listens and how to point at it (#29).
func TestLockedNamesTheSocket(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Lost-Sentinel-pw-1")
	session := filepath.Join(s.agentDir(), "agent.sock")
	tmp, cron := s.cronEnv()
	fallback := filepath.Join(tmp, fmt.Sprintf("imapvault-%d", os.Getuid()), "agent.sock")
	desktop := fmt.Sprintf("/run/user/%d/imapvault/agent.sock", os.Getuid())
	oneLine := func(t *testing.T, r result, want ...string) {
		t.Helper()
		if r.code != exitLocked || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Fatalf("exit %d, stdout %q, stderr %q: want exit 3 and one line", r.code, r.stdout, r.stderr)
		}
		for _, w := range want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
			}
		}
	}

	r := s.detached("get", "work")
	oneLine(t, r, "locked: run 'imapvault unlock' first", "no agent answers at "+session, "no terminal to ask")
	if strings.Contains(r.stderr, "XDG_RUNTIME_DIR is not set") {
		t.Errorf("a session with XDG_RUNTIME_DIR is told it has none: %s", r.stderr)
	}
	oneLine(t, s.detached("get", "work", "--no-prompt"), "no agent answers at "+session, "--no-prompt")

	s.withEnv(cron, func() {
		oneLine(t, s.detached("get", "work"), "no agent answers at "+fallback,
			"XDG_RUNTIME_DIR is not set here", "(usually "+desktop+")",
			"set IMAPVAULT_AGENT_SOCK="+desktop, fmt.Sprintf("XDG_RUNTIME_DIR=/run/user/%d", os.Getuid()))
		st := s.detached("agent", "status")
		if st.code != 1 || !strings.Contains(st.stdout, "not running: no agent answers at "+fallback) ||
			!strings.Contains(st.stdout, "set IMAPVAULT_AGENT_SOCK="+desktop) {
			t.Errorf("agent status from cron: exit %d\n%s", st.code, st.stdout)
		}
	})

	s.unlock()
	s.must("", "lock")
	oneLine(t, s.detached("get", "work"), "the agent at "+session+" is locked")
	other := filepath.Join(s.dir, "config", "other.age")
	os.WriteFile(other, readFile(t, s.identity), 0o600)
	s.unlock()
	oneLine(t, s.detached("get", "work", "--identity", other), "the agent at "+session+" is locked for "+other)

	// Cron pointed at the session's agent gets the password.
	s.withEnv(append(cron, "IMAPVAULT_AGENT_SOCK="+session), func() {
		if r := s.detached("get", "work"); r.code != 0 || r.stdout != "Lost-Sentinel-pw-1\n" {
			t.Errorf("cron with IMAPVAULT_AGENT_SOCK: exit %d %q %q", r.code, r.stdout, r.stderr)
		}
		if st := s.detached("agent", "status"); st.code != 0 || !strings.Contains(st.stdout, "agent pid ") ||
			!strings.Contains(st.stdout, " at "+session+", memory") {
			t.Errorf("agent status through IMAPVAULT_AGENT_SOCK: exit %d\n%s", st.code, st.stdout)
		}
	})
}

// imapvault-get hands a locked agent to imapvault get, whose line names
// the socket; without imapvault to hand over to, its own line does.
func TestFastGetNamesTheSocket(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Lost-Sentinel-pw-2")
	bin, _ := buildFastGet(t, s.sandbox)
	detached := &syscall.SysProcAttr{Setsid: true}
	tmp, cron := s.cronEnv()
	fallback := filepath.Join(tmp, fmt.Sprintf("imapvault-%d", os.Getuid()), "agent.sock")
	s.withEnv(cron, func() {
		r := s.execProgram(bin, "", detached, "work")
		if r.code != exitLocked || !strings.Contains(r.stderr, "no agent answers at "+fallback) || !strings.Contains(r.stderr, "IMAPVAULT_AGENT_SOCK=") {
			t.Errorf("hand-over from cron: exit %d %q", r.code, r.stderr)
		}
	})
	os.Remove(filepath.Join(filepath.Dir(bin), "imapvault"))
	s.withEnv(append(cron, "PATH=/nonexistent"), func() {
		r := s.execProgram(bin, "", detached, "work")
		if r.code != exitFailure || !strings.Contains(r.stderr, "the agent did not answer (no agent answers at "+fallback+")") {
			t.Errorf("no imapvault to hand over to: exit %d %q", r.code, r.stderr)
		}
	})
}

// IMAPVAULT_AGENT_SOCK names a socket anywhere: unlock starts the agent
// there in a folder it makes private; an existing folder must already be
// private and ours (it is the person's: never chmod'ed), and the path
// absolute.
func TestAgentSockOverride(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Lost-Sentinel-pw-3")
	sock := filepath.Join(s.dir, "elsewhere", "deep", "my.sock")
	s.withEnv([]string{"IMAPVAULT_AGENT_SOCK=" + sock}, func() {
		t.Cleanup(func() { s.withEnv([]string{"IMAPVAULT_AGENT_SOCK=" + sock}, func() { s.run("", "agent", "stop") }) })
		s.unlock()
		if fi, err := os.Stat(filepath.Dir(sock)); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("socket folder: %v %v", fi, err)
		}
		if r := s.detached("get", "work"); r.code != 0 || r.stdout != "Lost-Sentinel-pw-3\n" {
			t.Errorf("get through the named socket: exit %d %q %q", r.code, r.stdout, r.stderr)
		}
	})
	if _, err := os.Stat(filepath.Join(s.agentDir(), "agent.sock")); err == nil {
		t.Error("an agent listens at the XDG_RUNTIME_DIR socket too")
	}

	open := filepath.Join(s.dir, "open")
	os.Mkdir(open, 0o755)
	s.withEnv([]string{"IMAPVAULT_AGENT_SOCK=" + filepath.Join(open, "agent.sock")}, func() {
		r := s.run("", "unlock", "--passphrase-file", s.passFile)
		if r.code != 2 || !strings.Contains(r.stderr, "is open to others (mode 0755, want 0700)") {
			t.Errorf("a folder open to others: exit %d %q", r.code, r.stderr)
		}
		if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o755 {
			t.Errorf("the person's folder was changed to %04o", fi.Mode().Perm())
		}
		if r := s.detached("get", "work"); r.code != 2 || !strings.Contains(r.stderr, "open to others") {
			t.Errorf("get through a folder open to others: exit %d %q", r.code, r.stderr)
		}
	})
	s.withEnv([]string{"IMAPVAULT_AGENT_SOCK=rel/agent.sock"}, func() {
		if r := s.run("", "unlock", "--passphrase-file", s.passFile); r.code != 2 || !strings.Contains(r.stderr, "IMAPVAULT_AGENT_SOCK=rel/agent.sock is not an absolute path") {
			t.Errorf("a relative path: exit %d %q", r.code, r.stderr)
		}
	})
}

// Completing account names while the agent is locked offers nothing and
// says why, naming the socket: zsh shows it; bash and fish, which have
// nowhere to show a message, offer nothing (never the message as a name).
func TestCompletionSaysTheAgentIsLocked(t *testing.T) {
	s := newSandbox(t)
	s.init() // a passphrase-protected identity: names need the agent
	s.add("secret-name", "pw-long-enough")
	sock := filepath.Join(s.dir, "run", "imapvault", "agent.sock")
	want := "account names: locked, run 'imapvault unlock' (no agent answers at " + sock + ")"
	r := s.must("", "__complete", "zsh", "--", "imapvault", "rotate", "")
	if r.stdout != "!message\n"+want+"\n" {
		t.Errorf("__complete: %q, want the message", r.stdout)
	}
	env := append(s.onPath(), "XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"))
	zsh := testimap.LookBin(t, "zsh", "zsh")
	prog := `compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
_message() { print "MESSAGE: $*"; }
source <(imapvault completion zsh) || exit 9
words=(imapvault rotate ""); CURRENT=3
_imapvault`
	cmd := exec.Command(zsh, "-f", "-c", prog)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "MESSAGE: -r "+want {
		t.Errorf("zsh: %v %q", err, out)
	}
	if got := bashComplete(t, testimap.LookBin(t, "bash", "bash"), env, "imapvault rotate "); len(got) != 0 {
		t.Errorf("bash offered %q", got)
	}
	fish := testimap.LookBin(t, "fish", "fish")
	cmd = exec.Command(fish, "--no-config", "-c", "imapvault completion fish | source; complete -C 'imapvault rotate '")
	cmd.Env = append(env, "HOME="+s.dir, "XDG_CONFIG_HOME="+filepath.Join(s.dir, "fishconf"))
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("fish: %v %q", err, out)
	}
}
