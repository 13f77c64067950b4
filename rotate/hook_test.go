package rotate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Sentinels: distinctive passwords that tests look for wherever they must
// not appear.
const (
	oldSentinel = "Old-Sentinel-9qZ7!wK2"
	newSentinel = "New-Sentinel-Xp4$mT8r"
)

func hookAccount() *vault.Account {
	return &vault.Account{Name: "team inbox", Host: "imap.example.test", Port: 993, Username: "team@example.test"}
}

func TestRunHook(t *testing.T) {
	twoLines := sha256.Sum256([]byte(oldSentinel + "\n" + newSentinel + "\n"))
	tests := []struct {
		name     string
		command  string
		timeout  time.Duration
		exitCode int // 0: success
		timedOut bool
		want     []string // substrings of the output
	}{
		{
			name:    "stdin carries the old and new password as two lines",
			command: `sha256sum`,
			want:    []string{hex.EncodeToString(twoLines[:])},
		},
		{
			name:    "environment names the account",
			command: `echo "$IMAPVAULT_ACCOUNT|$IMAPVAULT_HOST|$IMAPVAULT_PORT|$IMAPVAULT_USERNAME"`,
			want:    []string{"team inbox|imap.example.test|993|team@example.test"},
		},
		{
			name:    "passwords in the output are redacted",
			command: `read -r old; read -r new; echo "changing $old to $new"`,
			want:    []string{"changing [redacted] to [redacted]"},
		},
		{
			name:     "non-zero exit is a failure with its output",
			command:  `read -r old; read -r new; echo "provider refused $new" >&2; exit 3`,
			exitCode: 3,
			want:     []string{"provider refused [redacted]"},
		},
		{
			name:     "killed at the timeout",
			command:  `echo started; exec sleep 30`,
			timeout:  100 * time.Millisecond,
			exitCode: -1,
			timedOut: true,
			want:     []string{"started"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := RunHook(context.Background(), tt.command, tt.timeout, hookAccount(), oldSentinel, newSentinel)
			assertNoSecret(t, "hook output", out)
			if err != nil {
				assertNoSecret(t, "hook error", err.Error())
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
			if tt.exitCode == 0 {
				if err != nil {
					t.Fatalf("hook failed: %v", err)
				}
				return
			}
			var he *HookError
			if !errors.As(err, &he) || !errors.Is(err, ErrHookFailed) {
				t.Fatalf("error %v; want a *HookError", err)
			}
			if he.ExitCode != tt.exitCode || he.TimedOut != tt.timedOut {
				t.Fatalf("exit %d timed out %v; want %d %v", he.ExitCode, he.TimedOut, tt.exitCode, tt.timedOut)
			}
			if he.Output != out {
				t.Fatal("HookError.Output differs from the returned output")
			}
		})
	}
}

// The hook's own process (the shell) copies its argv and environment out
// of /proc; neither may hold a password, even when our environment does.
func TestRunHookArgvEnvHoldNoSecret(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ROTATE_TEST_HARMLESS", "kept")
	t.Setenv("ROTATE_TEST_MAILBOX_PASSWORD", "by-name")
	t.Setenv("ROTATE_TEST_CARRIES", "x"+oldSentinel+"x")
	t.Setenv("IMAPVAULT_PASSPHRASE", "ours")
	cmd := `cat /proc/$$/cmdline > ` + filepath.Join(dir, "cmdline") + `; cat /proc/$$/environ > ` + filepath.Join(dir, "environ")
	if _, err := RunHook(context.Background(), cmd, 0, hookAccount(), oldSentinel, newSentinel); err != nil {
		t.Fatal(err)
	}
	argv := readFile(t, filepath.Join(dir, "cmdline"))
	env := readFile(t, filepath.Join(dir, "environ"))
	if !strings.HasPrefix(argv, "/bin/sh\x00-c\x00") {
		t.Fatalf("argv %q is not the hook's shell", argv)
	}
	assertNoSecret(t, "hook argv", argv)
	assertNoSecret(t, "hook environment", env)
	vars := strings.Split(env, "\x00")
	has := func(kv string) bool {
		for _, v := range vars {
			if v == kv {
				return true
			}
		}
		return false
	}
	for kv, want := range map[string]bool{
		"ROTATE_TEST_HARMLESS=kept":                 true,
		"IMAPVAULT_ACCOUNT=team inbox":              true,
		"IMAPVAULT_USERNAME=team@example.test":      true,
		"ROTATE_TEST_MAILBOX_PASSWORD=by-name":      false,
		"IMAPVAULT_PASSPHRASE=ours":                 false,
		"ROTATE_TEST_CARRIES=x" + oldSentinel + "x": false,
	} {
		if has(kv) != want {
			t.Errorf("environment has %q: %v, want %v", strings.SplitN(kv, "=", 2)[0], !want, want)
		}
	}
}

// A timeout kills the hook's whole process group, not just the shell.
func TestRunHookTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	cmd := `sleep 30 & echo $! > ` + pidFile + `; wait`
	_, err := RunHook(context.Background(), cmd, 200*time.Millisecond, hookAccount(), oldSentinel, newSentinel)
	var he *HookError
	if !errors.As(err, &he) || !he.TimedOut {
		t.Fatalf("error %v; want a timed-out HookError", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile)))
	if err != nil {
		t.Fatal(err)
	}
	// Killed means gone, or a zombie waiting for its new parent to reap it.
	for range 100 {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || zombie(stat) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("the hook's background child %d survived the timeout", pid)
}

func zombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

func TestHookOutputCap(t *testing.T) {
	c := &capped{limit: maxHookOutput + len(newSentinel)}
	// A password straddling the cut is still redacted whole.
	c.Write(bytes.Repeat([]byte("x"), maxHookOutput-3))
	c.Write([]byte(newSentinel + strings.Repeat("y", 1000)))
	s := c.text(oldSentinel, newSentinel)
	assertNoSecret(t, "capped output", s)
	if !strings.HasSuffix(s, "[output truncated]") || len(s) > maxHookOutput+40 {
		t.Fatalf("capped output has %d bytes, ends %q", len(s), s[len(s)-30:])
	}
	if strings.Contains(s, newSentinel[:5]) {
		t.Fatal("a piece of the password survived the cut")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertNoSecret fails when s holds either sentinel.
func assertNoSecret(t *testing.T, what, s string, more ...string) {
	t.Helper()
	for _, sec := range append([]string{oldSentinel, newSentinel}, more...) {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%s contains a password", what)
		}
	}
}
