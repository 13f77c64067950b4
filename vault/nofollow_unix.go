//go:build unix

package vault

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

var errWouldBlock = errors.New("lock is held")

// openNoFollow opens path without following a symlink in its last
// component; a symlink there is ErrUnsafePath, named.
func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NONBLOCK, perm)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) {
		return nil, fmt.Errorf("%w: %s is a symbolic link; imapvault never follows one there (remove it)", ErrUnsafePath, path)
	}
	return f, err
}

// checkLockFile refuses a lock file that is not a plain file of ours with
// one link: writing the pid into a hard link would write into its twin.
func checkLockFile(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: %s is not a regular file (remove it)", ErrUnsafePath, path)
	case ok && st.Nlink > 1:
		return fmt.Errorf("%w: %s has other hard links (remove it)", ErrUnsafePath, path)
	}
	return nil
}

func flockFile(f *os.File, wait bool) error {
	how := unix.LOCK_EX
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return errWouldBlock
		}
		return fmt.Errorf("flock %s: %w", f.Name(), err)
	}
}

const oNoFollow = unix.O_NOFOLLOW

func funlockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
