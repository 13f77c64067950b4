package agent

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// LockMemory keeps the agent's memory out of swap: every page, as it is
// first touched (MCL_ONFAULT), now and later. Go reserves far more address
// space than it uses, so this is tried only where the limit allows it
// (RLIMIT_MEMLOCK unlimited, or root); elsewhere it says why not, and the
// agent runs unlocked rather than crashing on its first allocation.
func LockMemory() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &lim); err != nil {
		return fmt.Errorf("memory not locked: %w", err)
	}
	if lim.Cur != unix.RLIM_INFINITY && os.Geteuid() != 0 {
		return fmt.Errorf("memory not locked: RLIMIT_MEMLOCK is %d bytes (set LimitMEMLOCK=infinity for the service to lock it)", lim.Cur)
	}
	if err := unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE | unix.MCL_ONFAULT); err != nil {
		return fmt.Errorf("memory not locked: mlockall: %w", err)
	}
	return nil
}
