//go:build !linux

package agent

import "errors"

// LockMemory is only done on Linux.
func LockMemory() error { return errors.New("memory not locked: only done on Linux") }
