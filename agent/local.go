package agent

import (
	"errors"
	"fmt"
	"os"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/agent/wire"
	"github.com/imapvault/imapvault/vault"
)

// Defaults of `imapvault unlock`.
const (
	DefaultTTL = 15 * time.Minute
	DefaultMax = 8 * time.Hour
)

// Unlocked connects to the agent of this session and returns it when it is
// unlocked for identityPath (any identity when empty). It never prompts:
// ErrNotRunning or ErrLocked otherwise. Close the client.
func Unlocked(getenv func(string) string, identityPath string) (*Client, Status, error) {
	c, s, err := wire.Unlocked(getenv, identityPath)
	if err != nil {
		return nil, s, err
	}
	return &Client{c}, s, nil
}

// NamesIfUnlocked lists the vault's account names through the agent when
// it is unlocked, for shell completion and monitoring: it never prompts,
// and gives ErrNotRunning or ErrLocked at once otherwise.
func NamesIfUnlocked(getenv func(string) string, vaultPath string) ([]string, error) {
	c, _, err := Unlocked(getenv, "")
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Names(AbsPath(vaultPath))
}

// UnlockWith hands an identity the caller already unlocked (the TUI, when
// the person chooses to) to this session's agent, starting the agent when
// none runs. ttl and max both 0 (which would never lock) mean the
// person's limits: the settings file's, else DefaultTTL and DefaultMax.
func UnlockWith(getenv func(string) string, id *vault.Identity, ttl, max time.Duration) error {
	if ttl == 0 && max == 0 {
		l, err := LoadLimits(getenv)
		if err != nil {
			return err
		}
		ttl, max = l.TTL, l.Max
	}
	keys, err := Keys(id.Identities)
	if err != nil {
		return err
	}
	defer clear(keys)
	c, err := Connect(getenv)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Unlock(UnlockRequest{Keys: keys, IdentityPath: AbsPath(id.Path), TTL: ttl, Max: max})
}

// Connect dials this session's agent, starting it (this executable, run
// as `agent`) when none runs.
func Connect(getenv func(string) string) (*Client, error) {
	w := Locate(getenv)
	c, err := w.Dial()
	if err == nil {
		return &Client{c}, nil
	}
	if !errors.Is(err, ErrNotRunning) {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the agent: %w", err)
	}
	return Start(exe, w, os.Environ())
}

// Keys turns parsed identities into the text the agent takes. Only native
// age keys can move; an SSH key or a plugin identity stays with its file.
func Keys(ids []age.Identity) ([]string, error) {
	var keys []string
	for _, id := range ids {
		switch k := id.(type) {
		case *age.X25519Identity:
			keys = append(keys, k.String())
		case *age.HybridIdentity:
			keys = append(keys, k.String())
		default:
			return nil, fmt.Errorf("%w (%T): only age keys (AGE-SECRET-KEY-...) can be", ErrUnsupported, id)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key", ErrUnsupported)
	}
	return keys, nil
}

// AbsPath makes a path absolute and follows symlinks where it can, so the
// agent and its clients name one file one way.
func AbsPath(p string) string { return wire.AbsPath(p) }

// SamePath reports whether two paths name one file.
func SamePath(a, b string) bool { return wire.SamePath(a, b) }
