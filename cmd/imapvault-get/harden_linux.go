package main

import "syscall"

// hardenProcess keeps the password out of core dumps and away from
// ptrace, as imapvault does (cli/hygiene_linux.go), with the syscall
// package alone.
func hardenProcess() {
	const prSetDumpable = 4
	syscall.RawSyscall6(syscall.SYS_PRCTL, prSetDumpable, 0, 0, 0, 0, 0)
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{})
}
