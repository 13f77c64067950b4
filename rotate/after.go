package rotate

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/imapvault/imapvault/internal/procgroup"
	"github.com/imapvault/imapvault/vault"
)

// ErrAfterFailed is matched by the error of an after command that failed.
var ErrAfterFailed = errors.New("after command failed")

// RunAfter runs command as `sh -c command` once a's new password is
// committed: to restart a sync timer or reload a running client. It gets
// no secret at all: stdin is /dev/null, the environment is the allow-list
// of hooks (with a's HookEnv names) and the account's non-secret fields,
// argv is only the command. It runs in its own process group, killed at
// timeout (0: DefaultHookTimeout). The combined output comes back with
// secrets redacted, in case the command found one elsewhere.
func RunAfter(ctx context.Context, command string, timeout time.Duration, a *vault.Account, secrets ...string) (string, error) {
	if strings.TrimSpace(command) == "" {
		return "", fmt.Errorf("%w: empty command", ErrAfterFailed)
	}
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Env = allowListEnv(a, nil, secrets...)
	cmd.Stdin = nil // /dev/null
	out := &capped{limit: maxHookOutput}
	cmd.Stdout, cmd.Stderr = out, out
	procgroup.Own(cmd)
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	output := out.text(secrets...)
	switch {
	case err == nil:
		return output, nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return output, fmt.Errorf("%w: did not finish in %s and was killed", ErrAfterFailed, timeout)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return output, fmt.Errorf("%w: exit status %d", ErrAfterFailed, ee.ExitCode())
	}
	return output, fmt.Errorf("%w: %v", ErrAfterFailed, err)
}

// after runs the after command of a committed rotation, if there is one.
// Its failure is reported (Report.AfterErr, a warning) but the rotation
// stays committed: the new password is the one the server takes.
func (r *Rotation) after(ctx context.Context) {
	if r.state != StateCommitted || strings.TrimSpace(r.opts.After) == "" {
		return
	}
	a := r.f.Vault.FindID(r.id)
	if a == nil {
		return
	}
	r.emit(Event{Step: StepAfter, Message: "running the after command"})
	out, err := RunAfter(ctx, r.opts.After, r.opts.AfterTimeout, a, r.pw, r.old)
	r.rep.AfterOutput, r.rep.AfterErr = out, err
	if err != nil {
		r.warn("the new password is committed, but "+err.Error(), nil)
		if out != "" {
			r.emit(Event{Step: StepAfter, Message: "after command output", Output: out})
		}
		return
	}
	r.emit(Event{Step: StepAfter, Message: "the after command finished", Output: out})
}
