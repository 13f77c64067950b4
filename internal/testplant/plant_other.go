//go:build !unix

package testplant

import (
	"errors"
	"os/exec"
	"testing"
)

func asNobody(t *testing.T, cmd *exec.Cmd) {
	missing(t, "a listener of another uid", errors.New("no uids on this system"))
}
