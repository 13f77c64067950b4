package cli

import "golang.org/x/sys/unix"

// hardenProcess keeps decrypted passwords out of core dumps and away from
// other processes of the same user that would ptrace or read /proc/PID/mem.
func hardenProcess() {
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
}
