//go:build !linux

package cli

// probeHygiene is Linux's (hygiene_linux_test.go): no test starts the
// probe elsewhere.
func probeHygiene() {}
