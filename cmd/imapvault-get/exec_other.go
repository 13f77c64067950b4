//go:build !unix

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
)

func execGet(bin string, argv []string) int {
	cmd := exec.Command(bin, argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "imapvault-get: run %s: %v\n", bin, err)
		return 2
	}
	return 0
}
