//go:build unix

package testsmtp

import "syscall"

// terminate and kill signal a pid, or a process group when negative.
func terminate(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }
func kill(pid int)      { _ = syscall.Kill(pid, syscall.SIGKILL) }
