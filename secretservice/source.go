package secretservice

import (
	"errors"

	"github.com/imapvault/imapvault/agent/wire"
)

// Source is where the service reads accounts and secrets: the unlock agent
// (Agent), never the vault's identity. A locked or absent agent answers
// wire.ErrLocked or wire.ErrNotRunning.
type Source interface {
	// Accounts describes the vault's accounts, without secrets.
	Accounts() ([]wire.AccountInfo, error)
	// Password returns the named account's password.
	Password(account string) (string, error)
	// Lock makes the agent forget the identity.
	Lock() error
}

// Agent is the Source over this session's agent socket. Each request
// dials anew: the agent may restart, and its socket is local and cheap.
type Agent struct {
	Socket   string // the agent's socket (wire.Locate(getenv).Socket)
	Vault    string // the vault's absolute path
	Identity string // the identity file the agent must hold; "" any
}

func (a *Agent) dial() (*wire.Client, error) { return wire.Dial(a.Socket) }

func (a *Agent) Accounts() ([]wire.AccountInfo, error) {
	c, err := a.dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Accounts(a.Vault, a.Identity)
}

func (a *Agent) Password(account string) (string, error) {
	c, err := a.dial()
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.Get(a.Vault, wire.Query{Name: account, Field: "password", Identity: a.Identity})
}

func (a *Agent) Lock() error {
	c, err := a.dial()
	if errors.Is(err, wire.ErrNotRunning) {
		return nil
	}
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Lock()
}

// isLocked reports whether err means the agent can't serve now (locked,
// unlocked for another identity, or not running): items are locked then.
func isLocked(err error) bool {
	return errors.Is(err, wire.ErrLocked) || errors.Is(err, wire.ErrNotRunning)
}
