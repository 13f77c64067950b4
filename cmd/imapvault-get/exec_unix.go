//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// execGet replaces this process by imapvault: its stdin, terminal, exit
// code and signals are the mail client's, as if it had been run directly.
func execGet(bin string, argv []string) int {
	err := syscall.Exec(bin, argv, os.Environ())
	fmt.Fprintf(os.Stderr, "imapvault-get: run %s: %v\n", bin, err)
	return 2
}
