//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// onTerminal runs the command with a terminal of its own (stdin and stderr
// a pty, stdout a pipe, as when a person runs it); when the terminal shows
// "[y/N]" it types answer. stderr in the result is what the terminal showed.
func (s *sandbox) onTerminal(answer string, args ...string) result {
	s.t.Helper()
	ptm, pts := openPTY(s.t)
	cmd := s.prepare(os.Args[0], args...)
	var out bytes.Buffer
	cmd.Stdin, cmd.Stderr, cmd.Stdout = pts, pts, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	pts.Close()
	screen := &screenLog{}
	drained := make(chan struct{})
	go func() { copyAll(screen, ptm); close(drained) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	s.t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })
	deadline := time.After(2 * time.Minute)
	asked := false
	for {
		select {
		case err := <-done:
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			// The screen drains once the child's end of the pty is closed.
			select {
			case <-drained:
			case <-time.After(time.Minute):
				s.t.Fatalf("the terminal did not drain")
			}
			return result{out.String(), strings.ReplaceAll(screen.String(), "\r\n", "\n"), code}
		case <-deadline:
			s.t.Fatalf("%v did not finish; terminal:\n%s", args, screen.String())
		case <-time.After(20 * time.Millisecond):
			if !asked && strings.Contains(screen.String(), "[y/N]") {
				asked = true
				ptm.Write([]byte(answer + "\n"))
			}
		}
	}
}

// noTerminal runs the command in a session of its own, without a
// controlling terminal: /dev/tty can't be opened, as under cron or CI.
func (s *sandbox) noTerminal(stdin string, args ...string) result {
	s.t.Helper()
	return s.exec(stdin, &syscall.SysProcAttr{Setsid: true}, args...)
}
