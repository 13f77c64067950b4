package vault

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// Lock is the exclusive writer lock on a vault: a lock file beside it,
// holding the owner's pid so the next writer can say who holds it.
type Lock struct {
	fl   *flock.Flock
	path string
}

// LockPath is the lock file for the vault at path.
// A symlinked vault's lock is beside its file, so every way to the vault
// meets the same lock.
func LockPath(path string) string { return realPath(path) + ".lock" }

// AcquireLock takes the vault's lock without waiting. When another process
// holds it the error is a *LockedError naming that process.
func AcquireLock(path string) (*Lock, error) {
	lp := LockPath(path)
	fl := flock.New(lp, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock vault %s: %w", path, err)
	}
	if !ok {
		return nil, &LockedError{Path: path, PID: readPID(lp)}
	}
	// Same inode, so the pid lands in the locked file.
	_ = os.WriteFile(lp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600)
	return &Lock{fl: fl, path: lp}, nil
}

// Release drops the lock. The file stays: removing it would race with a
// process that has just opened it.
func (l *Lock) Release() {
	if l == nil {
		return
	}
	_ = os.Truncate(l.path, 0)
	_ = l.fl.Unlock()
	_ = l.fl.Close()
}

func readPID(lp string) int {
	b, err := os.ReadFile(lp)
	if err != nil {
		return 0
	}
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
