//go:build linux

package procgroup

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

// Cancelling a command kills its whole group: a background child of the
// shell dies with it.
func TestOwnKillsTheGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "sh", "-c", `sleep 300 & echo $! > `+pidFile+`; wait`)
	Own(cmd)
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	testwait.For(t, "the shell's child", func() bool {
		b, err := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	cancel()
	cmd.Wait()
	testwait.For(t, "the shell's child to die", func() bool {
		// Gone, or a zombie waiting for init to reap it.
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		i := strings.LastIndexByte(string(b), ')')
		return err != nil || (i > 0 && i+2 < len(b) && b[i+2] == 'Z')
	})
}

// A command started without a terminal leads a new session.
func TestNoTerminal(t *testing.T) {
	cmd := exec.Command("sh", "-c", "ps -o sid= -p $$")
	NoTerminal(cmd)
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("ps: %v", err)
	}
	if sid, _ := strconv.Atoi(strings.TrimSpace(string(out))); sid != cmd.Process.Pid {
		t.Fatalf("session %q, want the command's own (%d)", strings.TrimSpace(string(out)), cmd.Process.Pid)
	}
}
