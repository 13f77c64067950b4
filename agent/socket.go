package agent

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
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

// ErrAlreadyRunning says another agent serves dir.
var ErrAlreadyRunning = errors.New("an agent is already running")

// ErrNoAgentHere says this platform has no agent yet (socket_other.go):
// every command opens the vault itself instead.
var ErrNoAgentHere = fmt.Errorf("the agent is not supported on %s yet (each command opens the vault itself): %w",
	runtime.GOOS, errors.ErrUnsupported)

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
	if err := detach(cmd); err != nil {
		return nil, err
	}
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
