//go:build unix

package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// agentSandbox is a sandbox with a passphrase-protected identity, a vault
// and this sandbox's own agent folder.
type agentSandbox struct{ *sandbox }

func newAgentSandbox(t *testing.T) *agentSandbox {
	t.Helper()
	s := &agentSandbox{newSandbox(t)}
	s.init()
	t.Cleanup(func() { s.run("", "agent", "stop") })
	return s
}

func (s *agentSandbox) agentDir() string { return filepath.Join(s.dir, "run", "imapvault") }

// detached runs the command line in a new session: no terminal to ask on.
func (s *agentSandbox) detached(args ...string) result {
	s.t.Helper()
	return s.exec("", &syscall.SysProcAttr{Setsid: true}, args...)
}

func (s *agentSandbox) unlock(extra ...string) {
	s.t.Helper()
	s.must("", append([]string{"unlock", "--passphrase-file", s.passFile}, extra...)...)
}

func TestGetExitCodes(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Get-Sentinel-pw-1")
	s.add("home", "Get-Sentinel-pw-2", "--port", "143", "--security", "starttls")

	locked := []struct {
		name string
		args []string
	}{
		{"no agent, no terminal", []string{"get", "work"}},
		{"--no-prompt", []string{"get", "work", "--no-prompt"}},
	}
	for _, tc := range locked {
		t.Run("locked/"+tc.name, func(t *testing.T) {
			r := s.detached(tc.args...)
			if r.code != exitLocked || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, want 3 and nothing", r.code, r.stdout)
			}
			if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); len(lines) != 1 || !strings.Contains(r.stderr, "imapvault unlock") {
				t.Fatalf("stderr should be one line naming 'imapvault unlock':\n%s", r.stderr)
			}
		})
	}

	s.unlock()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"password", []string{"get", "work"}, 0, "Get-Sentinel-pw-1\n", ""},
		{"case-insensitive name", []string{"get", "WORK"}, 0, "Get-Sentinel-pw-1\n", ""},
		{"username", []string{"get", "home", "--field", "username"}, 0, "u-home\n", ""},
		{"port", []string{"get", "--field", "port", "home"}, 0, "143\n", ""},
		{"security", []string{"get", "home", "--field", "security"}, 0, "starttls\n", ""},
		{"by host", []string{"get", "--host", "imap.home.example"}, 0, "Get-Sentinel-pw-2\n", ""},
		{"by host and user", []string{"get", "--host", "imap.work.example", "--user", "u-work", "--field", "host"}, 0, "imap.work.example\n", ""},
		{"no such account", []string{"get", "nope"}, 1, "", "no such account"},
		{"no such host", []string{"get", "--host", "imap.nope.example"}, 1, "", "no such account"},
		{"unknown field", []string{"get", "work", "--field", "secret"}, 2, "", "unknown field"},
		{"no name", []string{"get"}, 2, "", "needs an account name"},
		{"name and host", []string{"get", "work", "--host", "h"}, 2, "", "not both"},
		{"user without host", []string{"get", "work", "--user", "u"}, 2, "", "--user goes with --host"},
		{"missing vault", []string{"get", "work", "--vault", filepath.Join(s.dir, "none.age")}, 2, "", "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.detached(tc.args...)
			if r.code != tc.code || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}

	// Every other command uses the unlocked agent: no passphrase asked.
	if r := s.detached("list"); r.code != 0 || !strings.Contains(r.stdout, "work") {
		t.Fatalf("list through the agent: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := s.detached("agent", "status"); r.code != 0 || !strings.Contains(r.stdout, "unlocked, locks in") {
		t.Fatalf("status: %d %s %s", r.code, r.stdout, r.stderr)
	}
	s.must("", "lock")
	if r := s.detached("get", "work"); r.code != exitLocked {
		t.Fatalf("get after lock: exit %d", r.code)
	}
	if r := s.detached("list"); r.code != 2 {
		t.Fatalf("list after lock with no terminal: exit %d, want 2", r.code)
	}
	if r := s.detached("agent", "status"); r.code != 1 || !strings.Contains(r.stdout, "locked") {
		t.Fatalf("status after lock: %d %s", r.code, r.stdout)
	}
}

// A plain identity needs no agent and no terminal.
func TestGetPlainIdentity(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	s.must("plain-pw\n", "add", "--name", "mon", "--host", "imap.example", "--user", "u", "--password-stdin")
	r := s.exec("", &syscall.SysProcAttr{Setsid: true}, "get", "mon")
	if r.code != 0 || r.stdout != "plain-pw\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "run", "imapvault", "agent.sock")); err == nil {
		t.Fatal("get with a plain identity started an agent")
	}
}

// 200 password commands at once, from callers with no terminal: all exit
// 3 while the agent is locked, all print the right value once unlocked;
// the same for imapvault-get (20 of them locked: each hands over to a
// whole imapvault, which the 200 of `get` already cover).
func TestGetParallel(t *testing.T) {
	s := newAgentSandbox(t)
	for i := range 4 {
		s.add(fmt.Sprintf("acct%d", i), fmt.Sprintf("Par-pw-%d", i))
	}
	fastBin, _ := buildFastGet(t, s.sandbox)
	s.unlock()
	s.must("", "lock") // a running, locked agent
	n, fast := 200, false
	run := func(check func(i int, r result) string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("acct%d", i%4)
				var r result
				if fast {
					r = s.execProgram(fastBin, "", &syscall.SysProcAttr{Setsid: true}, name)
				} else {
					r = s.detached("get", name)
				}
				if msg := check(i, r); msg != "" {
					errs <- msg
				}
			}()
		}
		wg.Wait()
		close(errs)
		for msg := range errs {
			t.Error(msg)
		}
	}
	locked := func(i int, r result) string {
		if r.code != exitLocked || r.stdout != "" {
			return fmt.Sprintf("locked get %d (imapvault-get %v): exit %d, stdout %q, stderr %q", i, fast, r.code, r.stdout, r.stderr)
		}
		return ""
	}
	unlocked := func(i int, r result) string {
		if want := fmt.Sprintf("Par-pw-%d\n", i%4); r.code != 0 || r.stdout != want {
			return fmt.Sprintf("unlocked get %d (imapvault-get %v): exit %d, stdout %q, stderr %q", i, fast, r.code, r.stdout, r.stderr)
		}
		return ""
	}
	run(locked)
	n, fast = 20, true
	run(locked)
	s.unlock()
	n = 200
	run(unlocked)
	fast = false
	run(unlocked)
}

// asNobody runs a Python one-liner as the user nobody (tests run as root
// here) that connects to the socket and sends a status request.
func asNobody(t *testing.T, sock string) string {
	t.Helper()
	// The system's python: a user's shim (pyenv) is not nobody's to run.
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = testimap.LookBin(t, "python3", "python3")
	}
	if os.Getuid() != 0 {
		t.Skip("only root can run a child as nobody")
	}
	script := `
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect failed:", e.strerror); sys.exit(0)
s.settimeout(5)
try:
    s.sendall(b'{"op":"get","vault":"` + "x" + `","query":{"name":"work"}}\n')
    data = s.recv(4096)
except OSError as e:
    print("failed:", e.strerror); sys.exit(0)
print("answer:", data.decode(errors="replace") if data else "(closed)")
`
	cmd := exec.Command(py, "-c", script, sock)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python as nobody: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// Another user can't reach the socket (private folder), and even with the
// folder and socket opened up the agent itself refuses that uid.
func TestAgentRefusesOtherUsers(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Other-uid-pw")
	// Run the agent in the foreground to see its log.
	logPath := filepath.Join(t.TempDir(), "agent.log")
	_, stop := s.foregroundAgent(logPath)
	defer stop()
	s.unlock()
	sock := filepath.Join(s.agentDir(), "agent.sock")
	// Let nobody walk into the sandbox's folders up to the agent's.
	for d := s.agentDir(); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o711)
	}
	os.Chmod(s.agentDir(), 0o700)
	if out := asNobody(t, sock); !strings.Contains(out, "connect failed") {
		t.Fatalf("nobody reached the socket through its 0700 folder: %s", out)
	}
	os.Chmod(s.agentDir(), 0o755)
	// Closed again before stop: our own clients refuse a folder open to others.
	defer os.Chmod(s.agentDir(), 0o700)
	os.Chmod(sock, 0o666)
	out := asNobody(t, sock)
	if strings.Contains(out, "connect failed") {
		t.Fatalf("the test could not open the way to the socket: %s", out)
	}
	if out != "answer: (closed)" && !strings.HasPrefix(out, "failed:") {
		t.Fatalf("the agent answered another uid: %s", out)
	}
	if strings.Contains(out, "Other-uid-pw") {
		t.Fatal("the password reached another uid")
	}
	if log := string(readFile(t, logPath)); !strings.Contains(log, "refused a connection from uid 65534") {
		t.Fatalf("the agent's log does not record the refusal:\n%s", log)
	}
}

// foregroundAgent runs `imapvault agent` as a child with its log in
// logPath, waits for its socket, and returns a stop function.
func (s *agentSandbox) foregroundAgent(logPath string) (pid int, stop func()) {
	s.t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "agent")
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	sock := filepath.Join(s.agentDir(), "agent.sock")
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool { _, err := os.Stat(sock); return err == nil }) {
		cmd.Process.Kill()
		s.t.Fatalf("the agent did not start:\n%s", readFile(s.t, logPath))
	}
	return cmd.Process.Pid, func() {
		s.run("", "agent", "stop")
		cmd.Wait()
		logf.Close()
	}
}

// An agent unlocked for one identity is not asked about another's vault:
// get goes on to open that vault itself.
func TestGetOtherIdentityBypassesAgent(t *testing.T) {
	s := newAgentSandbox(t)
	s.add("work", "Mine-pw")
	s.unlock()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idB, vB := filepath.Join(s.dir, "b-id.txt"), filepath.Join(s.dir, "b", "vault.age")
	os.WriteFile(idB, []byte(k.String()+"\n"), 0o600)
	f, err := vault.Create(vB, &vault.Identity{Identities: []age.Identity{k}, Recipient: k.Recipient().String()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&vault.Account{Name: "work", Host: "imap.b.example", Username: "b", Password: "Theirs-pw"}, time.Now())
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if r := s.detached("get", "work", "--vault", vB, "--identity", idB); r.code != 0 || r.stdout != "Theirs-pw\n" {
		t.Fatalf("get with another identity: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := s.detached("get", "work"); r.code != 0 || r.stdout != "Mine-pw\n" {
		t.Fatalf("get through the agent: %d %q %s", r.code, r.stdout, r.stderr)
	}
}
