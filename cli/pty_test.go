//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/imapvault/imapvault/internal/testwait"
)

// screenLog collects what the program writes to its terminal.
type screenLog struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{} // closed by copyAll at the end of the terminal's output
}

// ended is closed once copyAll has read everything the terminal side
// will ever write: every process holding it has exited.
func (s *screenLog) ended() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
	}
	return s.done
}

// waitEnd waits until the terminal's last output is in the log: a
// program's exit does not mean its last writes were read yet.
func (s *screenLog) waitEnd(t testing.TB) {
	t.Helper()
	select {
	case <-s.ended():
	case <-time.After(testwait.Patience):
		t.Fatalf("the terminal stayed open after the program exited:\n%q", s.String())
	}
}

func (s *screenLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screenLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// startDemo runs `imapvault demo` on a pty and waits for its first list.
func startDemo(t testing.TB) (*exec.Cmd, *os.File, *screenLog) {
	t.Helper()
	ptm, pts := openPTY(t)
	cmd := exec.Command(os.Args[0], "demo")
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "TERM=xterm-256color",
		"IMAPVAULT_VAULT=/nonexistent/must-not-be-touched.age", "TMPDIR="+shortTempDir(t))
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	log := &screenLog{}
	go func() { _, _ = copyAll(log, ptm) }()
	t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool { return strings.Contains(log.String(), "10 accounts") }) {
		t.Fatalf("the demo never showed its accounts:\n%q", log.String())
	}
	return cmd, ptm, log
}

// shortTempDir is a temp folder with a short path, so the demo's status
// line (which names its vault) still fits 80 columns.
func shortTempDir(t testing.TB) string {
	d, err := os.MkdirTemp("/tmp", "iv")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func copyAll(dst *screenLog, src *os.File) (int64, error) {
	defer close(dst.ended())
	b := make([]byte, 4096)
	var n int64
	for {
		k, err := src.Read(b)
		dst.Write(b[:k])
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
}

// The demo quits on q and leaves the terminal as it found it: the
// alternate screen is left, the cursor shown again, and the demo's temp
// folder is gone.
func TestDemoQuitRestoresTerminal(t *testing.T) {
	cmd, ptm, log := startDemo(t)
	if !strings.Contains(log.String(), "\x1b[?1049h") {
		t.Error("the demo did not switch to the alternate screen")
	}
	ptm.Write([]byte("q"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo exited with %v", err)
		}
	case <-time.After(testwait.Patience):
		t.Fatal("the demo did not quit on q")
	}
	log.waitEnd(t)
	out := log.String()
	leave := strings.LastIndex(out, "\x1b[?1049l")
	if leave < 0 || leave < strings.LastIndex(out, "\x1b[?1049h") {
		t.Errorf("the alternate screen was not left at exit; tail %q", tail(out))
	}
	if strings.LastIndex(out, "\x1b[?25h") < strings.LastIndex(out, "\x1b[?25l") {
		t.Errorf("the cursor stays hidden after exit; tail %q", tail(out))
	}
	tmp := ""
	for _, kv := range cmd.Env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok {
			tmp = v
		}
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("the demo left %s in its temp folder", e.Name())
	}
}

// The demo made its world in TMPDIR: while it runs, the folder is there,
// so the check above that it is gone after q means something.
func TestDemoUsesTempFolder(t *testing.T) {
	cmd, _, _ := startDemo(t)
	for _, kv := range cmd.Env {
		if v, ok := strings.CutPrefix(kv, "TMPDIR="); ok {
			m, _ := filepath.Glob(filepath.Join(v, "imapvault-demo-*"))
			if len(m) != 1 {
				t.Fatalf("demo folders in TMPDIR while it runs: %v", m)
			}
			return
		}
	}
	t.Fatal("no TMPDIR given to the demo")
}

func tail(s string) string {
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}

// BenchmarkDemoStart is the time from `imapvault demo` to its accounts on
// screen (goal: under 2 s), process start and servers included; quitting
// and the exit are not timed.
func BenchmarkDemoStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cmd, ptm, _ := startDemo(b)
		b.StopTimer()
		ptm.Write([]byte("q"))
		cmd.Wait()
		b.StartTimer()
	}
}
