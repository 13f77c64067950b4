// Package wire is the agent's socket protocol and where its socket lives,
// with nothing else linked in: imapvault-get, the mail clients' password
// command, is built from it alone so that it starts in a few milliseconds
// (the whole imapvault binary takes about 20 here just to start).
//
// The wire: one JSON object a line each way, a request then its answer,
// any number of times on one connection.
package wire

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// MaxMessage bounds one line, so a client can't make the agent buffer
// without limit (a 10,000-account name list fits with room to spare).
const MaxMessage = 4 << 20

// Request is a request's fields that need no age types; the agent package
// adds the stanzas of an unwrap.
type Request struct {
	Op     string         `json:"op"` // status, unlock, lock, unwrap, get, names, accounts, stop
	Unlock *UnlockRequest `json:"unlock,omitempty"`
	Vault  string         `json:"vault,omitempty"`
	Query  *Query         `json:"query,omitempty"`
}

// Response is every answer's fields.
type Response struct {
	Err     string   `json:"err,omitempty"` // a code from ErrCodes, "incorrect_identity" or "other"
	Msg     string   `json:"msg,omitempty"` // the error's text
	Status  *Status  `json:"status,omitempty"`
	FileKey []byte   `json:"file_key,omitempty"`
	Value   *string  `json:"value,omitempty"`
	Names   []string `json:"names,omitempty"`
	// Accounts answers "accounts": every account without its secrets.
	Accounts []AccountInfo `json:"accounts,omitempty"`
}

// AccountInfo is an account as the agent describes it without a secret:
// what the Secret Service provider builds its items from.
type AccountInfo struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Host     string    `json:"host"`
	Port     int       `json:"port"`     // the default filled in
	Security string    `json:"security"` // the default filled in
	Username string    `json:"username"`
	Address  string    `json:"address,omitempty"`
	OAuth2   bool      `json:"oauth2,omitempty"`
	Created  time.Time `json:"created,omitzero"`
	Modified time.Time `json:"modified,omitzero"` // last edit of any field
	// SMTP is the submission endpoint, defaults filled in (Username is
	// the account's when the endpoint has none); nil when there is none.
	SMTP *EndpointInfo `json:"smtp,omitempty"`
}

// EndpointInfo is a server other than the IMAP one.
type EndpointInfo struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"`
	Username string `json:"username"`
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
	// TTL is the idle limit the agent was unlocked with (0: none), so
	// doctor can compare it with how often a mail sync runs.
	TTL          time.Duration `json:"ttl,omitempty"`
	MemoryLocked bool          `json:"memory_locked"`
	PID          int           `json:"pid"`
}

// Query picks one account and one field. Name wins; else Host (and User,
// when given) find the account by server.
type Query struct {
	Name  string `json:"name,omitempty"`
	Host  string `json:"host,omitempty"`
	User  string `json:"user,omitempty"`
	Field string `json:"field,omitempty"` // "" means password
	// Identity, when set, is the identity file the caller was told to
	// use: an agent unlocked for another answers ErrLocked, as Unlocked
	// would, in the same round trip.
	Identity string `json:"identity,omitempty"`
}

// Errors callers branch on.
var (
	ErrLocked       = errors.New("the agent is locked")
	ErrNotRunning   = errors.New("no agent is running")
	ErrNoAccount    = errors.New("no such account")
	ErrAmbiguous    = errors.New("several accounts match")
	ErrUnknownField = errors.New("unknown field")
	// ErrTokenNotServed: the agent does not refresh OAuth2 tokens.
	ErrTokenNotServed = errors.New("the agent does not serve access tokens")
	ErrUnsupported    = errors.New("this kind of identity can't be held by the agent")
	ErrRefused        = errors.New("the agent refused the request")
)

// ErrCodes carry the errors callers branch on across the socket.
var ErrCodes = map[string]error{
	"locked":           ErrLocked,
	"no_account":       ErrNoAccount,
	"ambiguous":        ErrAmbiguous,
	"unknown_field":    ErrUnknownField,
	"unsupported":      ErrUnsupported,
	"token_not_served": ErrTokenNotServed,
}

// RemoteError is an error the agent reported, keeping its text and the
// sentinel it matched.
type RemoteError struct {
	Msg  string
	Base error
}

func (e *RemoteError) Error() string { return e.Msg }
func (e *RemoteError) Unwrap() error { return e.Base }

// DecodeErr is the error an answer carries, nil when none.
func DecodeErr(r *Response) error {
	if r.Err == "" {
		return nil
	}
	return &RemoteError{Msg: r.Msg, Base: ErrCodes[r.Err]}
}

// ReadMessage reads one line of at most MaxMessage bytes into v.
func ReadMessage(r *bufio.Reader, v any) error {
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		line = append(line, chunk...)
		if len(line) > MaxMessage {
			return fmt.Errorf("message longer than %d bytes", MaxMessage)
		}
		if !isPrefix {
			break
		}
	}
	defer clear(line)
	return json.Unmarshal(line, v)
}

// WriteMessage writes v as one line.
func WriteMessage(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	defer clear(b)
	_, err = w.Write(b)
	return err
}
