//go:build unix

package vault

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system time: a figure that, unlike
// ns/op, holds up on a machine busy with other work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
