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
	"filippo.io/age"

	"github.com/imapvault/imapvault/agent/wire"
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
	// Accounts describes the vault's accounts without their secrets; it
	// does not extend the idle timer. identity is as Query.Identity.
	Accounts(vaultPath, identity string) ([]AccountInfo, error)
	// Stop locks and ends the agent.
	Stop() error
}

// The protocol's types and errors live in agent/wire, which imapvault-get
// links alone; these names keep the agent's API in one place.
type (
	UnlockRequest = wire.UnlockRequest
	Status        = wire.Status
	Query         = wire.Query
	AccountInfo   = wire.AccountInfo
	EndpointInfo  = wire.EndpointInfo
)

// Errors callers branch on.
var (
	ErrLocked       = wire.ErrLocked
	ErrNotRunning   = wire.ErrNotRunning
	ErrNoAccount    = wire.ErrNoAccount
	ErrAmbiguous    = wire.ErrAmbiguous
	ErrUnknownField = wire.ErrUnknownField
	// ErrTokenNotServed: the agent does not refresh OAuth2 tokens (see Fields).
	ErrTokenNotServed = wire.ErrTokenNotServed
	ErrUnsupported    = wire.ErrUnsupported
	ErrRefused        = wire.ErrRefused
)
