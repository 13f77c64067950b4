// Package agent keeps an unlocked vault identity in memory for a while, so
// that mail clients' password commands (`imapvault get`) and every other
// command run without a passphrase prompt.
//
// Its shape follows golang.org/x/crypto/ssh/agent: one small interface,
// Agent; a Keyring that implements it in memory (the server side, run by
// `imapvault agent` behind ServeConn); and NewClient(conn), which implements
// the same interface over the socket, so callers can't tell which they hold.
//
// The identity never leaves the agent. A client either sends the age
// stanzas of a vault file's header and gets the file key back (Identity, an
// age.Identity whose Unwrap asks the agent, the way age plugins unwrap), or
// asks for one field of one account (Get), which the agent answers from a
// decrypted copy it re-reads whenever the vault file changed on disk.
package agent

import (
	"errors"
	"time"

	"filippo.io/age"
)

// Agent is what both the in-memory Keyring and a Client over the socket do.
type Agent interface {
	// Status says whether the agent is unlocked and until when. It never
	// extends the idle timer.
	Status() (Status, error)
	// Unlock hands the agent an identity (see Keys) for at most max, and
	// at most ttl without use.
	Unlock(u UnlockRequest) error
	// Lock makes the agent forget the identity and every vault it read.
	Lock() error
	// Unwrap returns the file key of an age file from its header stanzas.
	Unwrap(stanzas []*age.Stanza) ([]byte, error)
	// Get returns one field of one account of the vault at vaultPath.
	Get(vaultPath string, q Query) (string, error)
	// Names lists the vault's account names.
	Names(vaultPath string) ([]string, error)
	// Stop locks and ends the agent.
	Stop() error
}

// UnlockRequest carries an identity into the agent.
type UnlockRequest struct {
	// Keys are the identity's secret keys as age writes them
	// (AGE-SECRET-KEY-1...), one per entry.
	Keys []string `json:"keys"`
	// IdentityPath is the file the keys were read from: commands use the
	// agent only for the identity file they were told to use.
	IdentityPath string        `json:"identity_path"`
	TTL          time.Duration `json:"ttl"` // idle limit; 0: none
	Max          time.Duration `json:"max"` // hard limit from unlock; 0: none
}

// Status is what `imapvault agent status` prints.
type Status struct {
	Unlocked     bool      `json:"unlocked"`
	IdentityPath string    `json:"identity_path,omitempty"`
	Recipient    string    `json:"recipient,omitempty"` // public key of the first identity
	Expires      time.Time `json:"expires,omitzero"`    // idle or max deadline, whichever comes first
	MaxExpires   time.Time `json:"max_expires,omitzero"`
	MemoryLocked bool      `json:"memory_locked"`
	PID          int       `json:"pid"`
}

// Query picks one account and one field. Name wins; else Host (and User,
// when given) find the account by server.
type Query struct {
	Name  string `json:"name,omitempty"`
	Host  string `json:"host,omitempty"`
	User  string `json:"user,omitempty"`
	Field string `json:"field,omitempty"` // "" means password
}

// Errors callers branch on.
var (
	ErrLocked       = errors.New("the agent is locked")
	ErrNotRunning   = errors.New("no agent is running")
	ErrNoAccount    = errors.New("no such account")
	ErrAmbiguous    = errors.New("several accounts match")
	ErrUnknownField = errors.New("unknown field")
	// ErrTokenNotServed: the agent does not refresh OAuth2 tokens (see Fields).
	ErrTokenNotServed = errors.New("the agent does not serve access tokens")
	ErrUnsupported    = errors.New("this kind of identity can't be held by the agent")
	ErrRefused        = errors.New("the agent refused the request")
)
