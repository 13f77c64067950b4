package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// imapvaultPath finds the imapvault binary: beside this one first (both
// are installed together), then on PATH.
func imapvaultPath() (string, error) {
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			p := filepath.Join(filepath.Dir(exe), "imapvault")
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return exec.LookPath("imapvault")
}

// handOver runs `imapvault get ARGS` in this process's place and returns
// an exit code only when that fails. lost says why the agent did not
// answer, "" when it was not asked.
func handOver(args []string, lost string) int {
	bin, err := imapvaultPath()
	if err != nil {
		why := "the agent did not answer"
		if lost != "" {
			why += " (" + lost + ")"
		}
		fmt.Fprintf(os.Stderr, "imapvault-get: %s and imapvault itself was not found: %v\n"+
			"hint: install imapvault beside imapvault-get (go install github.com/imapvault/imapvault/...@latest)\n", why, err)
		return 2
	}
	return execGet(bin, append([]string{"imapvault", "get"}, args...))
}
