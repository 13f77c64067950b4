//go:build !unix

package testimap

import (
	"errors"
	"os/exec"
)

// Dovecot runs on Unix only; elsewhere it is never found (ErrNoDovecot),
// and these only keep the package building.

type groupSignal int

const (
	groupStop groupSignal = iota
	groupCont
	groupKill
)

func ownGroup(*exec.Cmd) {}

func signalGroup(int, groupSignal) error { return errors.ErrUnsupported }

func noTerminal(*exec.Cmd) {}
