//go:build unix

package wire

import (
	"io"
	"os"
	"syscall"
	"time"
)

// dialUnix connects to a unix socket with the syscall package rather than
// net: importing net makes a cgo build link libc dynamically, which costs
// a password command ~4 ms of its ~10 here. The socket's own send and
// receive timeouts bound every read and write (no poller needed). It
// refuses a socket another user's process listens on (checkPeer).
func dialUnix(path string, timeout time.Duration) (io.ReadWriteCloser, error) {
	// Not inherited by a child started meanwhile (SOCK_CLOEXEC is Linux's).
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	for _, opt := range []int{syscall.SO_RCVTIMEO, syscall.SO_SNDTIMEO} {
		if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, opt, &tv); err != nil {
			syscall.Close(fd)
			return nil, os.NewSyscallError("setsockopt", err)
		}
	}
	for {
		err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: path})
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		syscall.Close(fd)
		return nil, &os.PathError{Op: "connect", Path: path, Err: err}
	}
	uid, err := peerUID(fd)
	if err := checkPeer(path, uid, err); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}
