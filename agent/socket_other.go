//go:build !unix

package agent

import "os/exec"

// Windows has AF_UNIX sockets, but not yet what the agent needs around
// one: a folder only its owner can open (ACLs rather than mode 0700) and
// the peer's identity (SIO_AF_UNIX_GETPEERPID, then the process's token).
// Until then there is no agent here, and saying so is the whole port.

// ListenAt says the agent is not supported here.
func ListenAt(w Where) (*Listener, error) { return nil, ErrNoAgentHere }

func detach(*exec.Cmd) error { return ErrNoAgentHere }

// LockPrompt has no agent to share the answer with: each command asks
// for itself, so there is nothing to wait for.
func LockPrompt(w Where) (release func(), err error) { return func() {}, nil }
