package cli

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// hardenProcess keeps decrypted passwords out of core dumps and away from
// other processes of the same user that would ptrace or read /proc/PID/mem.
func hardenProcess() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("turn off ptrace and core dumps (PR_SET_DUMPABLE): %w", err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0}); err != nil {
		return fmt.Errorf("turn off core dumps (RLIMIT_CORE): %w", err)
	}
	return nil
}
