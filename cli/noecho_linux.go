package cli

import "golang.org/x/sys/unix"

// echoOff turns the terminal's echo off before a prompt is printed, and
// returns how to turn it back on. term.ReadPassword turns echo off only once
// it starts reading, after our prompt: whatever arrives in between (a paste
// sent the moment the prompt shows, a script driving the terminal) would be
// echoed in clear.
func echoOff(fd int) (restore func()) {
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	quiet.Iflag |= unix.ICRNL
	if unix.IoctlSetTermios(fd, unix.TCSETS, &quiet) != nil {
		return func() {}
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}
