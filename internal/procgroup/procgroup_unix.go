//go:build unix

package procgroup

import (
	"os/exec"
	"syscall"
)

// Own starts cmd as the leader of a new process group and makes its
// Cancel (the context's end) kill the whole group.
func Own(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}

// NoTerminal starts cmd in a session of its own, without a controlling
// terminal: a program that reads a password from /dev/tty when it has one
// (doveadm, ssh) reads stdin instead, and never asks the person.
func NoTerminal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
}
