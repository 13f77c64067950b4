// Package testplant plays a hostile local user for tests: another uid
// (nobody) that made the agent's folder first, or whose process listens on
// a socket in ours, and records whatever a client hands it. It needs root
// to run a process as another uid; without root the tests skip, and fail
// under IMAPVAULT_REQUIRE_REAL_DEPS=1 (CI runs as root).
package testplant

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Nobody is the uid and gid the planted listener runs as.
const Nobody = 65534

// Plant is a listener run by another uid.
type Plant struct {
	Socket string
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	done   chan struct{}
	change chan struct{}
}

// NeedRoot skips (or, in CI, fails) a test that must act as another user.
func NeedRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		missing(t, "root (to run a listener as another uid)", errors.New("not root"))
	}
}

// PublicDir is a new folder others may traverse (t.TempDir is 0700, so a
// process of another uid could not reach a socket inside it).
func PublicDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "plant")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// Foreign makes dir as the attacker would: theirs, mode 0777, with their
// listener on dir/agent.sock that claims to be unlocked for identity.
func Foreign(t *testing.T, dir, identity string) *Plant {
	t.Helper()
	NeedRoot(t)
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	if err := os.Chown(dir, Nobody, Nobody); err != nil {
		t.Fatal(err)
	}
	return Start(t, filepath.Join(dir, "agent.sock"), identity)
}

// InOurDir is the case the folder check can't see: dir is ours and 0700,
// but the process behind dir/agent.sock is another uid's.
func InOurDir(t *testing.T, dir, identity string) *Plant {
	t.Helper()
	p := Foreign(t, dir, identity)
	if err := os.Chown(dir, os.Getuid(), os.Getgid()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// Start runs plantd as nobody on socket (its folder must let nobody in)
// and returns once it listens.
func Start(t *testing.T, socket, identity string) *Plant {
	t.Helper()
	NeedRoot(t)
	cmd := exec.Command(binary(t), socket, identity)
	asNobody(t, cmd)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Plant{Socket: socket, cmd: cmd, done: make(chan struct{}), change: make(chan struct{}, 1)}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(nil, 8<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.change <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(p.Stop)
	if !p.WaitFor("ready uid 65534") {
		t.Fatalf("plantd did not start:\n%s", p.Log())
	}
	return p
}

// Stop ends the listener and waits until all it said has been read.
func (p *Plant) Stop() {
	p.cmd.Process.Kill()
	<-p.done
	p.cmd.Wait()
}

// Log is everything the listener reported so far.
func (p *Plant) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// Received is what clients sent, one request a line.
func (p *Plant) Received() string {
	var got []string
	for _, l := range strings.Split(p.Log(), "\n") {
		if r, ok := strings.CutPrefix(l, "recv "); ok {
			got = append(got, r)
		}
	}
	return strings.Join(got, "\n")
}

// WaitFor waits (generously: CI is slow) until a line starting with prefix
// was reported; false when the listener ended or the deadline passed.
func (p *Plant) WaitFor(prefix string) bool {
	deadline := time.After(60 * time.Second)
	for {
		for _, l := range strings.Split(p.Log(), "\n") {
			if strings.HasPrefix(l, prefix) {
				return true
			}
		}
		select {
		case <-p.change:
		case <-p.done:
			return strings.Contains("\n"+p.Log(), "\n"+prefix)
		case <-deadline:
			return false
		}
	}
}

// binary builds plantd into a folder nobody may read (the go build cache
// makes every build after the first one cheap).
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(PublicDir(t), "plantd")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/imapvault/imapvault/internal/testplant/plantd").CombinedOutput()
	if err != nil {
		t.Fatalf("build plantd: %v\n%s", err, out)
	}
	return bin
}

// missing skips, or fails under IMAPVAULT_REQUIRE_REAL_DEPS=1 (CI), as
// testimap.Missing does (testimap itself does not build everywhere).
func missing(t *testing.T, what string, why error) {
	t.Helper()
	if os.Getenv("IMAPVAULT_REQUIRE_REAL_DEPS") == "1" {
		t.Fatalf("%s is required (IMAPVAULT_REQUIRE_REAL_DEPS=1) but unavailable: %v", what, why)
	}
	t.Skipf("%s unavailable: %v", what, why)
}
