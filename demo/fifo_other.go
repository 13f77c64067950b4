//go:build !unix

package demo

import (
	"errors"
	"fmt"
	"runtime"
)

// The demo's hooks are shell commands writing to a named pipe: not on
// this platform yet.
func mkfifo(string) error {
	return fmt.Errorf("the demo is not supported on %s yet (its hooks need sh and named pipes): %w", runtime.GOOS, errors.ErrUnsupported)
}
