//go:build unix

package agent

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/gofrs/flock"
	"github.com/imapvault/imapvault/agent/wire"
)

// privateDir makes dir (0700) or checks that the one there is ours and
// private: a folder in /tmp may have been made by someone else first.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("agent folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("agent folder: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return &wire.UntrustedError{Path: "folder " + dir, Reason: "is not a folder (a symlink?)", UID: -1}
	case ok && int(st.Uid) != os.Getuid():
		return &wire.UntrustedError{Path: "folder " + dir,
			Reason: fmt.Sprintf("belongs to uid %d, not to you (uid %d)", st.Uid, os.Getuid()), UID: int(st.Uid)}
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("agent folder: %w", err)
		}
	}
	return nil
}

// Listen makes dir private, claims it (one agent per folder) and listens
// on its socket, mode 0600.
func Listen(dir string) (*Listener, error) {
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(dir, "agent.lock"), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("agent lock: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("%w (socket %s)", ErrAlreadyRunning, SocketPath(dir))
	}
	path := SocketPath(dir)
	os.Remove(path) // a stale socket of an agent that died; we hold the lock
	old := syscall.Umask(0o177)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	syscall.Umask(old)
	if err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("agent socket: %w", err)
	}
	l.SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		fl.Unlock()
		return nil, fmt.Errorf("agent socket: %w", err)
	}
	return &Listener{UnixListener: l, Path: path, lock: fl}, nil
}

// detach puts the agent in its own session, away from our terminal.
func detach(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return nil
}

// LockPrompt waits for the right to ask the person for the passphrase, so
// many password commands started at once ask once: the first asks, the
// others wait and then find the agent unlocked.
func LockPrompt(dir string) (release func(), err error) {
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(dir, "prompt.lock"), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	if err := fl.Lock(); err != nil {
		return nil, fmt.Errorf("prompt lock: %w", err)
	}
	return func() { fl.Unlock() }, nil
}
