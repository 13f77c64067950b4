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
	"time"

	"github.com/imapvault/imapvault/internal/procgroup"
	"github.com/imapvault/imapvault/vault"
)

// DefaultHookTimeout bounds a hook that hangs.
const DefaultHookTimeout = 60 * time.Second

// maxHookOutput is how much of a hook's output is kept for display.
const maxHookOutput = 64 << 10

// Redacted replaces a password wherever one would be shown.
const Redacted = vault.Redacted

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
// environment is HookEnv(a, extraEnv): the allow-list, the four
// IMAPVAULT_* variables and the names passed explicitly. A password never
// goes into its argv or environment. It runs in its own process group,
// which is killed when timeout (0: DefaultHookTimeout) passes or ctx ends.
// The combined output comes back with every piece of 4 or more characters
// of either password redacted, also when the hook fails.
func RunHook(ctx context.Context, command string, timeout time.Duration, a *vault.Account, oldPassword, newPassword string, extraEnv ...string) (string, error) {
	if strings.TrimSpace(command) == "" {
		return "", &HookError{ExitCode: -1, Err: errors.New("empty hook command")}
	}
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	cmd, recipeEnv, err := hookCommand(ctx, command, a, oldPassword, newPassword)
	if err != nil {
		return "", &HookError{ExitCode: -1, Err: err}
	}
	cmd.Env = append(hookEnv(os.Environ(), a, extraEnv, oldPassword, newPassword), recipeEnv...)
	cmd.Stdin = strings.NewReader(oldPassword + "\n" + newPassword + "\n")
	out := &capped{limit: maxHookOutput + max(len(oldPassword), len(newPassword))}
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so a timeout kills whatever it started too.
	procgroup.Own(cmd)
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

// HookAllowList is what a hook (and the after command) gets of our
// environment: enough to find programs, write temp files, speak the user's
// language and reach an ssh agent. LC_* (every locale variable) is added to
// these. Nothing else goes through unless named explicitly: per account
// (vault.Account.HookEnv, set with 'add/edit --hook-env NAME') or per
// command ('rotate --hook-env NAME').
var HookAllowList = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "SSH_AUTH_SOCK"}

// HookEnv is the environment a hook or after command of account a runs
// with: the allow-listed variables of this process, the names in
// a.HookEnv and extra that are set here, and IMAPVAULT_ACCOUNT,
// IMAPVAULT_HOST, IMAPVAULT_PORT and IMAPVAULT_USERNAME. A variable whose
// value holds one of the account's secrets is left out whatever its name,
// and no IMAPVAULT_ name can be passed through.
func HookEnv(a *vault.Account, extra []string) []string {
	return hookEnv(os.Environ(), a, extra, a.Secrets()...)
}

func hookEnv(env []string, a *vault.Account, extra []string, secrets ...string) []string {
	named := map[string]bool{}
	for _, n := range HookAllowList {
		named[n] = true
	}
	for _, n := range a.HookEnv {
		named[n] = true
	}
	for _, n := range extra {
		named[n] = true
	}
	out := make([]string, 0, len(named)+8)
	for _, kv := range env {
		name, value, _ := strings.Cut(kv, "=")
		if !(named[name] || strings.HasPrefix(name, "LC_")) ||
			strings.HasPrefix(strings.ToUpper(name), "IMAPVAULT_") || containsAny(value, secrets) {
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

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// redact hides every piece of 4 or more characters of each secret in s.
func redact(s string, secrets ...string) string { return vault.Redact(s, secrets...) }

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
