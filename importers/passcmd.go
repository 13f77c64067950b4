package importers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/imapvault/imapvault/internal/procgroup"
)

// MaxCommandOutput bounds what a password command may print.
const MaxCommandOutput = 64 << 10

// CommandError says why a password command gave no password. Stderr is the
// command's own words, raw: print it through termtext.
type CommandError struct {
	Err    error
	Stderr string
}

func (e *CommandError) Error() string { return e.Err.Error() }
func (e *CommandError) Unwrap() error { return e.Err }

// ErrCommandTimeout is a command killed at its timeout.
var ErrCommandTimeout = errors.New("timed out and was killed")

// RunCommand runs a password command as sh -c CMD, the way the clients do,
// with no stdin and its own process group (killed whole at the timeout),
// and returns the first line of its stdout.
func RunCommand(ctx context.Context, cmdline string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
	cmd.Stdin = nil // /dev/null
	procgroup.Own(cmd)
	cmd.WaitDelay = 2 * time.Second
	var out, errb limitedBuffer
	out.max, errb.max = MaxCommandOutput, 4096
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return "", &CommandError{Err: fmt.Errorf("%w after %s", ErrCommandTimeout, timeout), Stderr: errb.String()}
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", &CommandError{Err: fmt.Errorf("exited with status %d", ee.ExitCode()), Stderr: errb.String()}
		}
		return "", &CommandError{Err: err, Stderr: errb.String()}
	}
	first, _, _ := strings.Cut(out.String(), "\n")
	first = strings.TrimSuffix(first, "\r")
	if first == "" {
		return "", &CommandError{Err: errors.New("printed nothing on its first line"), Stderr: errb.String()}
	}
	return first, nil
}

// limitedBuffer keeps the first max bytes and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
