//go:build unix

package demo

import "syscall"

// mkfifo makes the named pipe through which the demo's hooks hand a new
// password to its provider.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
