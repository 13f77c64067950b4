package agent

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
)

// The wire: one JSON object a line each way, a request then its answer,
// any number of times on one connection.

// maxMessage bounds one line, so a client can't make the agent buffer
// without limit (a 10,000-account name list fits with room to spare).
const maxMessage = 4 << 20

type request struct {
	Op      string         `json:"op"` // status, unlock, lock, unwrap, get, names, stop
	Unlock  *UnlockRequest `json:"unlock,omitempty"`
	Stanzas []*age.Stanza  `json:"stanzas,omitempty"`
	Vault   string         `json:"vault,omitempty"`
	Query   *Query         `json:"query,omitempty"`
}

type response struct {
	Err     string   `json:"err,omitempty"` // a code from errCodes, or "other"
	Msg     string   `json:"msg,omitempty"` // the error's text
	Status  *Status  `json:"status,omitempty"`
	FileKey []byte   `json:"file_key,omitempty"`
	Value   *string  `json:"value,omitempty"`
	Names   []string `json:"names,omitempty"`
}

// errCodes carry the errors callers branch on across the socket.
var errCodes = map[string]error{
	"locked":             ErrLocked,
	"no_account":         ErrNoAccount,
	"ambiguous":          ErrAmbiguous,
	"unknown_field":      ErrUnknownField,
	"unsupported":        ErrUnsupported,
	"incorrect_identity": age.ErrIncorrectIdentity,
}

func encodeErr(err error) *response {
	for code, e := range errCodes {
		if errors.Is(err, e) {
			return &response{Err: code, Msg: err.Error()}
		}
	}
	return &response{Err: "other", Msg: err.Error()}
}

// remoteError is an error the agent reported, keeping its text and the
// sentinel it matched.
type remoteError struct {
	msg  string
	base error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.base }

func decodeErr(r *response) error {
	if r.Err == "" {
		return nil
	}
	base := errCodes[r.Err]
	if base == age.ErrIncorrectIdentity {
		return age.ErrIncorrectIdentity // age compares it with ==
	}
	return &remoteError{msg: r.Msg, base: base}
}

// readMessage reads one line of at most maxMessage bytes into v.
func readMessage(r *bufio.Reader, v any) error {
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
		if len(line) > maxMessage {
			return fmt.Errorf("message longer than %d bytes", maxMessage)
		}
		if !isPrefix {
			break
		}
	}
	defer clear(line)
	return json.Unmarshal(line, v)
}

func writeMessage(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	defer clear(b)
	_, err = w.Write(b)
	return err
}
