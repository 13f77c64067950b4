package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/vault"
)

// agentIdentity returns an identity that unwraps vault keys through this
// session's agent when the agent is unlocked for e.identityPath, else nil.
// It never prompts and never starts an agent.
func (e *env) agentIdentity() *vault.Identity {
	id, _ := e.agentIdentityOrRefusal()
	return id
}

// agentIdentityOrRefusal is agentIdentity, with the one error a command
// must not step past: the agent's socket or folder is another user's
// (agent.ErrUntrusted). Going on would hide someone lying in wait.
func (e *env) agentIdentityOrRefusal() (*vault.Identity, error) {
	c, s, err := agent.Unlocked(e.getenv, e.identityPath)
	if errors.Is(err, agent.ErrUntrusted) {
		return nil, err
	}
	if err != nil {
		return nil, nil
	}
	// The connection stays open for this process's life: every open asks
	// the agent again, so a lock takes effect at once.
	return &vault.Identity{Path: e.identityPath, Kind: vault.IdentityProtected,
		Identities: []age.Identity{agent.Identity{Agent: c}}, Recipient: s.Recipient}, nil
}

// unlockLimits are an unlock's limits when it is given no --ttl/--max:
// those of the settings file (agent.conf), else the defaults.
func (e *env) unlockLimits() (ttl, max time.Duration, err error) {
	l, err := agent.LoadLimits(e.getenv)
	if err != nil {
		return 0, 0, withHint(err, "fix or remove "+l.Path+" ('imapvault unlock --help' shows its lines)")
	}
	return l.TTL, l.Max, nil
}

// hasTerminal reports whether a passphrase could be asked.
func (e *env) hasTerminal() bool {
	t, owned, err := e.terminal()
	if err != nil {
		return false
	}
	if owned {
		t.Close()
	}
	return true
}

// unlockAgent asks the passphrase once — only one process asks at a time,
// however many wait — and hands the identity to this session's agent,
// starting it if needed. done, when set, is tried first and again after
// waiting for another process's prompt: it returns true when the agent is
// already unlocked and the work is done.
func (e *env) unlockAgent(ttl, max time.Duration, done func() bool) (*vault.Identity, error) {
	release, err := agent.LockPrompt(agent.Locate(e.getenv))
	if err != nil {
		return nil, err
	}
	defer release()
	if done != nil && done() {
		return nil, nil
	}
	id, err := vault.LoadIdentity(e.identityPath, e.passphrase)
	if errors.Is(err, os.ErrNotExist) {
		return nil, withHint(err, "run 'imapvault init' to create one, or pass --identity FILE")
	}
	if err != nil {
		return nil, err
	}
	keys, err := agent.Keys(id.Identities)
	if err != nil {
		return id, withHint(fmt.Errorf("identity %s: %w", e.identityPath, err),
			"the agent holds age identities only; this one keeps asking each time")
	}
	defer clear(keys)
	c, err := agent.Connect(e.getenv)
	if err != nil {
		return id, err
	}
	defer c.Close()
	err = c.Unlock(agent.UnlockRequest{Keys: keys, IdentityPath: agent.AbsPath(e.identityPath), TTL: ttl, Max: max})
	return id, err
}
