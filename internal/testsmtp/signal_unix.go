//go:build unix

package testsmtp

import (
	"os/exec"
	"syscall"
)

// ownGroup starts cmd as the leader of a process group of its own, which
// stop signals whole.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// terminate and kill signal a pid, or a process group when negative.
func terminate(pid int) { _ = syscall.Kill(pid, syscall.SIGTERM) }
func kill(pid int)      { _ = syscall.Kill(pid, syscall.SIGKILL) }
