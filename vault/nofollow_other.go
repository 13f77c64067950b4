//go:build !unix

package vault

import (
	"errors"
	"os"
)

// Without O_NOFOLLOW and flock (not a platform imapvault targets), the
// lock is a plain exclusive-create-free open and no folder check is made.

var errWouldBlock = errors.New("lock is held")

const oNoFollow = 0

// AllowSharedFolder: see folder_unix.go.
var AllowSharedFolder = true

func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag, perm)
}

func checkLockFile(*os.File, string) error { return nil }
func flockFile(*os.File, bool) error       { return nil }
func funlockFile(*os.File) error           { return nil }
func checkFolder(string) error             { return nil }

// SharedFolderError: see folder_unix.go.
type SharedFolderError struct{ Reason string }

func (e *SharedFolderError) Error() string { return e.Reason }
func (e *SharedFolderError) Unwrap() error { return ErrUnsafePath }
