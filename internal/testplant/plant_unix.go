//go:build unix

package testplant

import (
	"os/exec"
	"syscall"
	"testing"
)

func asNobody(t *testing.T, cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: Nobody, Gid: Nobody}}
}
