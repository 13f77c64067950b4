package wire

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrUntrusted: the agent's folder or the process behind its socket is not
// this user's, so nothing is sent there. Without XDG_RUNTIME_DIR the folder
// is in the shared temp folder, where any local user can make it first and
// listen on agent.sock to catch an identity or answer with lies.
var ErrUntrusted = errors.New("not this user's agent")

// UntrustedError says which folder or socket was refused and whose it is.
type UntrustedError struct {
	Path   string // the folder or the socket
	Reason string // what is wrong, e.g. "belongs to uid 65534"
	UID    int    // the owner or peer, -1 when none (a symlink, a mode)
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("the agent's %s %s: refusing to use it (nothing was sent)", e.Path, e.Reason)
}

func (e *UntrustedError) Unwrap() error { return ErrUntrusted }

// Hint says what to do, for the person reading the error.
func (e *UntrustedError) Hint() string {
	return fmt.Sprintf("someone else may have made it to catch your key: check and remove %s (as root when it is not yours), "+
		"or set XDG_RUNTIME_DIR to a private folder of yours", e.Path)
}

// CheckDir refuses a folder we would not have made: a symlink, another
// user's, or one others may write to (they could plant a socket there).
// A missing folder is ErrNotRunning: no agent, nothing to trust yet.
func CheckDir(dir string) error { return checkDir(dir) }

// FileOwner is the uid owning fi, ok false where the system does not say.
func FileOwner(fi os.FileInfo) (uid int, ok bool) { return fileOwner(fi) }

func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w (no folder %s)", ErrNotRunning, dir)
	}
	if err != nil {
		return fmt.Errorf("agent folder: %w", err)
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return &UntrustedError{Path: "folder " + dir, Reason: "is a symlink, not a folder", UID: -1}
	case !fi.IsDir():
		return &UntrustedError{Path: "folder " + dir, Reason: "is not a folder", UID: -1}
	}
	if uid, ok := fileOwner(fi); ok && uid != os.Getuid() {
		return &UntrustedError{Path: "folder " + dir, Reason: fmt.Sprintf("belongs to uid %d, not to you (uid %d)", uid, os.Getuid()), UID: uid}
	}
	if checksMode && fi.Mode().Perm()&0o077 != 0 {
		return &UntrustedError{Path: "folder " + dir, Reason: fmt.Sprintf("is open to others (mode %04o, want 0700)", fi.Mode().Perm()), UID: -1}
	}
	return nil
}

// checkPeer refuses a socket served by another user's process.
func checkPeer(path string, uid int, err error) error {
	if err != nil {
		return fmt.Errorf("agent socket %s: can't tell whose process serves it: %w", path, err)
	}
	if uid != os.Getuid() {
		return &UntrustedError{Path: "socket " + path, Reason: fmt.Sprintf("is served by uid %d, not by you (uid %d)", uid, os.Getuid()), UID: uid}
	}
	return nil
}

// socketDir is the folder whose owner and mode guard a socket.
func socketDir(path string) string { return filepath.Dir(path) }
