package agent

import (
	"errors"

	"filippo.io/age"

	"github.com/imapvault/imapvault/agent/wire"
	"github.com/imapvault/imapvault/vault"
)

// The wire itself (framing, message types, error codes) is agent/wire;
// only an unwrap's stanzas need age's types.

type request struct {
	wire.Request
	Stanzas []*age.Stanza `json:"stanzas,omitempty"`
}

type response = wire.Response

// errIncorrectIdentity is age's sentinel, which age compares with ==.
const errIncorrectIdentity = "incorrect_identity"

func encodeErr(err error) *response {
	if errors.Is(err, age.ErrIncorrectIdentity) {
		return &response{Err: errIncorrectIdentity, Msg: err.Error()}
	}
	if errors.Is(err, vault.ErrRollback) {
		return &response{Err: "rollback", Msg: err.Error()}
	}
	for code, e := range wire.ErrCodes {
		if errors.Is(err, e) {
			return &response{Err: code, Msg: err.Error()}
		}
	}
	return &response{Err: "other", Msg: err.Error()}
}

func decodeErr(r *response) error {
	if r.Err == errIncorrectIdentity {
		return age.ErrIncorrectIdentity
	}
	return wire.DecodeErr(r)
}
