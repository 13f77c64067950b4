//go:build unix

package rotate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

func hookAccount() *vault.Account {
	return &vault.Account{Name: "team inbox", Host: "imap.example.test", Port: 993, Username: "team@example.test"}
}

func TestRunHook(t *testing.T) {
	twoLines := sha256.Sum256([]byte(oldSentinel + "\n" + newSentinel + "\n"))
	tests := []struct {
		name     string
		command  string
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
			exitCode: -1,
			timedOut: true,
			want:     []string{"started"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out string
			var err error
			if tt.timedOut {
				out, err = hookUntilTimeout(t, tt.command, func(out string) bool { return strings.Contains(out, tt.want[0]) })
			} else {
				out, err = RunHook(context.Background(), tt.command, 0, hookAccount(), oldSentinel, newSentinel)
			}
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
// of /proc: the argv holds no password, and the environment is exactly the
// allow-list, the four IMAPVAULT_* variables and the names passed
// explicitly (per account and per command), even with secrets all around.
func TestRunHookArgvEnvHoldNoSecret(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"PATH": "/usr/bin:/bin", "HOME": "/home/h", "USER": "u", "LOGNAME": "u", "LANG": "C.UTF-8",
		"LC_ALL": "C.UTF-8", "LC_TIME": "C", "TZ": "UTC", "TMPDIR": "/tmp", "SSH_AUTH_SOCK": "/run/agent",
		// What the issue found going through:
		"DATABASE_URL": "postgres://app:hunter2@db/app", "MYSQL_PWD": "hunter2", "GITHUB_PAT": "ghp_x",
		"OPENAI_KEY": "sk-x", "KUBECONFIG": "/home/h/.kube/config",
		"ROTATE_TEST_HARMLESS": "not passed either", "IMAPVAULT_PASSPHRASE": "ours",
		// Passed by name: per account and per command.
		"PGPASSFILE": "/home/h/.pgpass", "MAILCTL_URL": "https://mail.example/api",
		// Passed by name but carrying a password: left out anyway.
		"CARRIES": "x" + oldSentinel + "x",
		// Named, but ours: never passed through.
		"IMAPVAULT_VAULT": "/v",
	} {
		t.Setenv(k, v)
	}
	t.Setenv("SHELL_UNSET_ME", "")
	os.Unsetenv("SHELL_UNSET_ME")
	a := hookAccount()
	a.HookEnv = []string{"PGPASSFILE", "CARRIES", "NOT_SET_ANYWHERE"}
	cmd := `cat /proc/$$/cmdline > ` + filepath.Join(dir, "cmdline") + `; cat /proc/$$/environ > ` + filepath.Join(dir, "environ")
	if _, err := RunHook(context.Background(), cmd, 0, a, oldSentinel, newSentinel, "MAILCTL_URL", "IMAPVAULT_VAULT"); err != nil {
		t.Fatal(err)
	}
	argv := readFile(t, filepath.Join(dir, "cmdline"))
	env := readFile(t, filepath.Join(dir, "environ"))
	if !strings.HasPrefix(argv, "/bin/sh\x00-c\x00") {
		t.Fatalf("argv %q is not the hook's shell", argv)
	}
	assertNoSecret(t, "hook argv", argv)
	assertNoSecret(t, "hook environment", env)
	var got []string
	for _, kv := range strings.Split(strings.TrimRight(env, "\x00"), "\x00") {
		// sh itself adds PWD (and some add SHLVL, _, OLDPWD); they are not ours.
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "PWD", "SHLVL", "_", "OLDPWD":
			continue
		}
		got = append(got, kv)
	}
	slices.Sort(got)
	want := []string{
		"HOME=/home/h", "IMAPVAULT_ACCOUNT=team inbox", "IMAPVAULT_HOST=imap.example.test", "IMAPVAULT_PORT=993",
		"IMAPVAULT_USERNAME=team@example.test", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LC_TIME=C", "LOGNAME=u",
		"MAILCTL_URL=https://mail.example/api", "PATH=/usr/bin:/bin", "PGPASSFILE=/home/h/.pgpass",
		"SSH_AUTH_SOCK=/run/agent", "TMPDIR=/tmp", "TZ=UTC", "USER=u",
	}
	if !slices.Equal(got, want) {
		t.Errorf("hook environment:\n got %q\nwant %q", got, want)
	}
	// HookEnv, which the after command uses, is the same list.
	a.Password = oldSentinel
	if he := HookEnv(a, []string{"MAILCTL_URL"}); !slices.Equal(sortedCopy(he), want) {
		t.Errorf("HookEnv = %q, want %q", sortedCopy(he), want)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// A timeout kills the hook's whole process group, not just the shell.
func TestRunHookTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	cmd := `sleep 30 & echo $! > ` + pidFile + `; wait`
	_, err := hookUntilTimeout(t, cmd, func(string) bool {
		b, err := os.ReadFile(pidFile)
		return err == nil && strings.HasSuffix(string(b), "\n")
	})
	var he *HookError
	if !errors.As(err, &he) || !he.TimedOut {
		t.Fatalf("error %v; want a timed-out HookError", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile)))
	if err != nil {
		t.Fatal(err)
	}
	// Killed means gone, or a zombie waiting for its new parent to reap it.
	// (A survivor sleeps 30 s, and Patience is longer: it would be seen.)
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	testwait.For(t, fmt.Sprintf("the hook's background child %d to die with the timeout", pid), func() bool {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err != nil || zombie(stat)
	})
}

// hookUntilTimeout runs cmd with a timeout that doubles from 100 ms until
// ready(output) shows the hook got as far as the test needs (a line
// printed, a pid written) before it was killed: how soon a shell gets
// there depends on the machine's load, and a kill before proves nothing.
func hookUntilTimeout(t *testing.T, cmd string, ready func(out string) bool) (string, error) {
	t.Helper()
	for timeout := 100 * time.Millisecond; ; timeout *= 2 {
		out, err := RunHook(context.Background(), cmd, timeout, hookAccount(), oldSentinel, newSentinel)
		if ready(out) || timeout > testwait.Patience {
			return out, err
		}
		t.Logf("the hook was killed at %v before it got far enough; again with twice that", timeout)
	}
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

// A hook that prints a fragment of a password (cut at a character, as a
// password with a newline once was) shows none of it.
func TestRunHookRedactsFragments(t *testing.T) {
	cmd := `IFS= read -r old; IFS= read -r new; echo "old tail: ${old#Old-}"; echo "new head: ${new%%-Xp4*}"; echo "mid: ${new#New-Sen}" >&2; exit 3`
	out, err := RunHook(context.Background(), cmd, 0, hookAccount(), oldSentinel, newSentinel)
	if err == nil {
		t.Fatal("exit 3 was not an error")
	}
	assertNoSecret(t, "hook output", out)
	for _, piece := range []string{"Sentinel", "9qZ7", "tinel", "Xp4$"} {
		if strings.Contains(out, piece) {
			t.Errorf("output holds %q: %q", piece, out)
		}
	}
	if !strings.Contains(out, "old tail: [redacted]") || !strings.Contains(out, "new head: [redacted]") {
		t.Errorf("output lost its words: %q", out)
	}
}
