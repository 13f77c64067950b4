package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// DefaultHookTimeout bounds a hook that hangs.
const DefaultHookTimeout = 60 * time.Second

// maxHookOutput is how much of a hook's output is kept for display.
const maxHookOutput = 64 << 10

// Redacted replaces a password wherever one would be shown.
const Redacted = "[redacted]"

// ErrHookFailed is matched (errors.Is) by every *HookError.
var ErrHookFailed = errors.New("hook failed")

// HookError is a hook that did not succeed: it could not start, exited
// non-zero, or was killed at its timeout.
type HookError struct {
	ExitCode int    // -1 when it did not start or was killed
	TimedOut bool   // killed (with its process group) at the timeout
	Output   string // combined stdout and stderr, passwords redacted
	Err      error  // the underlying error, if any
}

func (e *HookError) Error() string {
	switch {
	case e.TimedOut:
		return "hook did not finish in time and was killed"
	case e.ExitCode > 0:
		return fmt.Sprintf("hook exited with status %d", e.ExitCode)
	case e.Err != nil:
		return fmt.Sprintf("hook failed: %v", e.Err)
	}
	return "hook failed"
}

func (e *HookError) Is(target error) bool { return target == ErrHookFailed }
func (e *HookError) Unwrap() error        { return e.Err }

// RunHook runs command as `sh -c command` to set the new password at the
// provider. Its stdin carries two lines, the old and the new password; its
// environment is ours minus anything secret plus IMAPVAULT_ACCOUNT,
// IMAPVAULT_HOST, IMAPVAULT_PORT and IMAPVAULT_USERNAME. A password never
// goes into its argv or environment. It runs in its own process group,
// which is killed when timeout (0: DefaultHookTimeout) passes or ctx ends.
// The combined output comes back with both passwords redacted, also when
// the hook fails.
func RunHook(ctx context.Context, command string, timeout time.Duration, a *vault.Account, oldPassword, newPassword string) (string, error) {
	if strings.TrimSpace(command) == "" {
		return "", &HookError{ExitCode: -1, Err: errors.New("empty hook command")}
	}
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd, extraEnv, err := hookCommand(ctx, command, oldPassword, newPassword)
	if err != nil {
		return "", &HookError{ExitCode: -1, Err: err}
	}
	cmd.Env = append(hookEnv(os.Environ(), a, oldPassword, newPassword), extraEnv...)
	cmd.Stdin = strings.NewReader(oldPassword + "\n" + newPassword + "\n")
	out := &capped{limit: maxHookOutput + max(len(oldPassword), len(newPassword))}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so a timeout kills whatever it started too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A child that keeps the output pipe open must not hang us.
	cmd.WaitDelay = 2 * time.Second

	err = cmd.Run()
	output := out.text(oldPassword, newPassword)
	if err == nil {
		return output, nil
	}
	he := &HookError{ExitCode: -1, Output: output, Err: err}
	if ctx.Err() != nil {
		he.TimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
		if !he.TimedOut {
			he.Err = ctx.Err()
		}
		return output, he
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		he.ExitCode = ee.ExitCode()
		he.Err = nil
	}
	return output, he
}

// hookEnv is env with every variable that looks secret removed — by name,
// or because its value holds one of the passwords — and the account's
// non-secret fields added.
func hookEnv(env []string, a *vault.Account, secrets ...string) []string {
	out := make([]string, 0, len(env)+4)
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if secretName(name) || containsAny(value, secrets) {
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"IMAPVAULT_ACCOUNT="+a.Name,
		"IMAPVAULT_HOST="+a.Host,
		"IMAPVAULT_PORT="+strconv.Itoa(a.Port),
		"IMAPVAULT_USERNAME="+a.Username,
	)
}

// secretName reports whether an environment variable's name suggests it
// holds a secret. Our own IMAPVAULT_ variables all go: the four the hook
// needs are set afresh.
func secretName(name string) bool {
	n := strings.ToUpper(name)
	if strings.HasPrefix(n, "IMAPVAULT_") {
		return true
	}
	for _, word := range []string{"PASS", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY", "API_KEY", "ACCESS_KEY"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// redact replaces every occurrence of each secret in s.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}

// capped keeps the first limit bytes written to it and counts the rest.
// The limit includes room for one password beyond maxHookOutput, so that a
// password crossing the cut is still whole when it is redacted.
type capped struct {
	buf     bytes.Buffer
	limit   int
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if room >= len(p) {
		return c.buf.Write(p)
	}
	if room > 0 {
		c.buf.Write(p[:room])
	}
	c.dropped += len(p) - max(room, 0)
	return len(p), nil
}

// text is the output with the secrets redacted, cut to maxHookOutput.
func (c *capped) text(secrets ...string) string {
	s := redact(c.buf.String(), secrets...)
	clear(c.buf.Bytes())
	if len(s) > maxHookOutput || c.dropped > 0 {
		s = s[:min(len(s), maxHookOutput)] + "\n[output truncated]"
	}
	return s
}
