//go:build !linux

package cli

func hardenProcess() {}
