//go:build !unix

package procgroup

import "os/exec"

// Own leaves cmd as it is: without process groups, Cancel kills the
// command alone (exec's default), not what it started.
func Own(cmd *exec.Cmd) {}

// NoTerminal leaves cmd as it is: there is no controlling terminal to
// leave.
func NoTerminal(cmd *exec.Cmd) {}
