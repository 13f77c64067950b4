//go:build !unix

package testsmtp

import "os/exec"

// Postfix runs on Unix only; elsewhere StartPostfix finds no postfix and
// the tests that need it skip (or fail under IMAPVAULT_REQUIRE_REAL_DEPS).
func ownGroup(*exec.Cmd) {}
func terminate(int)      {}
func kill(int)           {}
