//go:build unix

package testimap

import (
	"os/exec"
	"syscall"
)

type groupSignal syscall.Signal

const (
	groupStop = groupSignal(syscall.SIGSTOP)
	groupCont = groupSignal(syscall.SIGCONT)
	groupKill = groupSignal(syscall.SIGKILL)
)

// ownGroup starts cmd in a process group of its own, led by it.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup signals the process group that pid leads.
func signalGroup(pid int, sig groupSignal) error { return syscall.Kill(-pid, syscall.Signal(sig)) }

// noTerminal starts cmd in a session of its own, without a controlling
// terminal: doveadm then reads a password from stdin, not /dev/tty.
func noTerminal(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
