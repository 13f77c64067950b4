package wire

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SockEnv names the agent's socket outright. Cron and other programs
// started outside the desktop session have no XDG_RUNTIME_DIR, so they
// look in the temp folder; pointing them at the session's socket with
// this variable leaves XDG_RUNTIME_DIR (which other programs read) alone.
// The socket's folder gets the same checks as any: a real folder, ours,
// 0700; the process listening must be ours.
const SockEnv = "IMAPVAULT_AGENT_SOCK"

// Where is where a process looks for the agent, and why there.
type Where struct {
	Socket string // the socket
	Dir    string // its folder, which must be private and ours
	// From is what chose it: SockEnv, "XDG_RUNTIME_DIR", or "" when
	// neither is set (the temp folder, see Dir).
	From string
	// Err is a SockEnv that can't be used (not an absolute path); Dial
	// and Listen give it.
	Err error
}

// Locate says where this process's agent listens: $IMAPVAULT_AGENT_SOCK,
// else agent.sock in Dir.
func Locate(getenv func(string) string) Where {
	if p := getenv(SockEnv); p != "" {
		w := Where{Socket: filepath.Clean(p), Dir: filepath.Dir(filepath.Clean(p)), From: SockEnv}
		if !filepath.IsAbs(p) {
			// The agent works in / and its clients anywhere: a relative
			// path would name a different socket for each.
			w.Err = fmt.Errorf("%s=%s is not an absolute path", SockEnv, p)
		}
		return w
	}
	dir, fallback := Dir(getenv)
	w := Where{Socket: SocketPath(dir), Dir: dir, From: "XDG_RUNTIME_DIR"}
	if fallback {
		w.From = ""
	}
	return w
}

// Dial connects to the agent at w (see Dial).
func (w Where) Dial() (*Client, error) {
	if w.Err != nil {
		return nil, w.Err
	}
	return Dial(w.Socket)
}

// SessionSocket is where an agent started in a desktop (login) session
// usually listens: systemd-logind and pam_systemd set XDG_RUNTIME_DIR to
// /run/user/UID.
func SessionSocket() string {
	return SocketPath(filepath.Join(SessionRuntimeDir(), "imapvault"))
}

// SessionRuntimeDir is a login session's usual XDG_RUNTIME_DIR.
func SessionRuntimeDir() string { return fmt.Sprintf("/run/user/%d", os.Getuid()) }

// Lost says in a clause why no unlocked agent answered at w, err being
// what Dial, Status or Unlocked gave: "no agent answers at SOCKET", "the
// agent at SOCKET is locked", "... is locked for A (it holds B)".
func (w Where) Lost(err error) string {
	switch {
	case w.Err != nil:
		return w.Err.Error()
	case errors.Is(err, ErrNotRunning):
		return "no agent answers at " + w.Socket
	case errors.Is(err, ErrLocked):
		if rest, ok := strings.CutPrefix(err.Error(), ErrLocked.Error()); ok {
			return "the agent at " + w.Socket + " is locked" + rest
		}
		return "the agent at " + w.Socket + ": " + err.Error()
	case err != nil:
		return "the agent at " + w.Socket + ": " + err.Error()
	}
	return "the agent at " + w.Socket + " is unlocked"
}

// Elsewhere, when this process looks in the temp folder because
// XDG_RUNTIME_DIR is unset (cron, su, ssh without a session), says where
// the desktop session's agent listens instead and how to point here at
// it; "" otherwise.
func (w Where) Elsewhere() string {
	if w.From != "" {
		return ""
	}
	s := SessionSocket()
	return fmt.Sprintf("XDG_RUNTIME_DIR is not set here (cron?), so this is not where an agent started in your desktop session listens (usually %s): "+
		"set %s=%s (or XDG_RUNTIME_DIR=%s) in this program's environment, e.g. at the top of the crontab",
		s, SockEnv, s, SessionRuntimeDir())
}
