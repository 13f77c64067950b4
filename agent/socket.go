package agent

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gofrs/flock"
	"github.com/imapvault/imapvault/agent/wire"
)

// Dir is the agent's private folder: $XDG_RUNTIME_DIR/imapvault, or, when
// XDG_RUNTIME_DIR is unset (no login session: cron, su, a container),
// imapvault-UID in the temp folder; fallback says which.
func Dir(getenv func(string) string) (dir string, fallback bool) { return wire.Dir(getenv) }

// SocketPath is the socket inside dir.
func SocketPath(dir string) string { return wire.SocketPath(dir) }

// Where is where a process looks for the agent (wire.Where).
type Where = wire.Where

// Locate says where this process's agent listens: $IMAPVAULT_AGENT_SOCK,
// else agent.sock in Dir.
func Locate(getenv func(string) string) Where { return wire.Locate(getenv) }

// SockEnv names the agent's socket outright (wire.SockEnv).
const SockEnv = wire.SockEnv

// SessionSocket is where a desktop session's agent usually listens.
func SessionSocket() string { return wire.SessionSocket() }

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

// ErrAlreadyRunning says another agent serves dir.
var ErrAlreadyRunning = errors.New("an agent is already running")

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

// Listener is the agent's socket and its claim on dir.
type Listener struct {
	*net.UnixListener
	Path string
	lock *flock.Flock
}

// Listen makes dir private, claims it (one agent per folder) and listens
// on its socket, mode 0600.
func Listen(dir string) (*Listener, error) {
	return ListenAt(Where{Socket: SocketPath(dir), Dir: dir, From: "XDG_RUNTIME_DIR"})
}

// ListenAt listens where w says (see Listen, folderFor).
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

// Close stops listening, removes the socket and releases the folder.
func (l *Listener) Close() error {
	err := l.UnixListener.Close()
	l.lock.Unlock()
	return err
}

// Start runs `exe agent` in the background, in its own session and with
// no terminal, and waits until its socket answers. Nothing secret goes
// into its arguments or environment: the key comes later over the socket.
func Start(exe string, w Where, env []string) (*Client, error) {
	cmd := exec.Command(exe, "agent")
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the agent: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := w.Dial()
		if err == nil {
			return &Client{c}, nil
		}
		if errors.Is(err, ErrUntrusted) {
			cmd.Process.Kill()
			return nil, err
		}
		select {
		case err := <-exited:
			// Another process may have started one first: try it.
			if c, derr := w.Dial(); derr == nil {
				return &Client{c}, nil
			}
			return nil, fmt.Errorf("the agent stopped at once (%v): run 'imapvault agent' to see why", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the agent did not answer within 10 s: run 'imapvault agent' to see why")
		}
	}
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
