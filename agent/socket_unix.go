//go:build unix

package agent

import (
	"errors"
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

// folderFor makes or checks w's folder. The default folders are ours to
// make private; a folder named by IMAPVAULT_AGENT_SOCK is the person's, so
// one that exists is checked as a client checks it (a real folder, ours,
// 0700) and never changed: chmod on $HOME would be a surprise.
func folderFor(w Where) error {
	if w.Err != nil {
		return w.Err
	}
	if w.From != SockEnv {
		return privateDir(w.Dir)
	}
	if _, err := os.Lstat(w.Dir); errors.Is(err, os.ErrNotExist) {
		return privateDir(w.Dir)
	}
	return wire.CheckDir(w.Dir)
}

// ListenAt makes or checks w's folder (folderFor), claims it (one agent
// per folder) and listens on w's socket, mode 0600.
func ListenAt(w Where) (*Listener, error) {
	if err := folderFor(w); err != nil {
		return nil, err
	}
	dir, path := w.Dir, w.Socket
	fl := flock.New(filepath.Join(dir, "agent.lock"), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("agent lock: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("%w (folder %s)", ErrAlreadyRunning, dir)
	}
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
func LockPrompt(w Where) (release func(), err error) {
	if err := folderFor(w); err != nil {
		return nil, err
	}
	fl := flock.New(filepath.Join(w.Dir, "prompt.lock"), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	if err := fl.Lock(); err != nil {
		return nil, fmt.Errorf("prompt lock: %w", err)
	}
	return func() { fl.Unlock() }, nil
}
