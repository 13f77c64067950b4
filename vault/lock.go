package vault

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Lock is the exclusive writer lock on a vault: a lock file beside it,
// holding the owner's pid so the next writer can say who holds it. The
// file is opened with O_NOFOLLOW and written only through that descriptor:
// a lock path someone replaced with a symlink is refused, never followed,
// so no command truncates the link's target.
type Lock struct {
	f    *os.File
	path string
}

// LockPath is the lock file for the vault at path.
// A symlinked vault's lock is beside its file, so every way to the vault
// meets the same lock.
func LockPath(path string) string { return realPath(path) + ".lock" }

// ErrUnsafePath is a file or folder imapvault refuses to use: a symlink
// where it creates or truncates a file, or a folder others can write.
var ErrUnsafePath = errors.New("unsafe path")

// AcquireLock takes the vault's lock without waiting. When another process
// holds it the error is a *LockedError naming that process.
func AcquireLock(path string) (*Lock, error) {
	lp := LockPath(path)
	l, err := lockFile(lp, false)
	if errors.Is(err, errWouldBlock) {
		return nil, &LockedError{Path: path, PID: readPID(lp)}
	}
	if err != nil {
		return nil, fmt.Errorf("lock vault %s: %w", path, err)
	}
	// Through the locked descriptor: the pid lands in the locked file.
	if err := l.f.Truncate(0); err == nil {
		l.f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return l, nil
}

// lockFile opens (creating, 0600) and flocks the file at lp; wait blocks
// until the lock is free, else a held lock is errWouldBlock.
func lockFile(lp string, wait bool) (*Lock, error) {
	f, err := openNoFollow(lp, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := checkLockFile(f, lp); err != nil {
		f.Close()
		return nil, err
	}
	if err := flockFile(f, wait); err != nil {
		f.Close()
		return nil, err
	}
	return &Lock{f: f, path: lp}, nil
}

// Release drops the lock. The file stays: removing it would race with a
// process that has just opened it.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	// Unlock before closing: a child forked meanwhile (a hook starting)
	// shares the descriptor until its exec, and would hold the lock.
	_ = funlockFile(l.f)
	_ = l.f.Close()
	l.f = nil
}

func readPID(lp string) int {
	f, err := openNoFollow(lp, os.O_RDONLY, 0)
	if err != nil {
		return 0
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// OpenLocked takes the vault's lock, then opens it; the lock is held until
// Close, so a command's read-modify-write cannot interleave with another's.
func OpenLocked(path string, id *Identity) (*File, error) {
	path = realPath(path)
	if err := mustExist(path); err != nil {
		return nil, err
	}
	if err := checkFolder(path); err != nil {
		return nil, err
	}
	l, err := AcquireLock(path)
	if err != nil {
		return nil, err
	}
	sweepTemp(path)
	f, err := load(path, id)
	if err != nil {
		l.Release()
		return nil, err
	}
	f.lock = l
	return f, nil
}

// Close releases the lock if f holds it.
func (f *File) Close() {
	f.lock.Release()
	f.lock = nil
}
