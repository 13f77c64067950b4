package agent

import (
	"net"

	"filippo.io/age"

	"github.com/imapvault/imapvault/agent/wire"
)

// Client talks to an agent over a connection and implements Agent: the
// protocol's client (agent/wire) plus unwrapping age stanzas.
type Client struct{ *wire.Client }

var _ Agent = (*Client)(nil)

// NewClient returns a client over conn.
func NewClient(conn net.Conn) *Client { return &Client{wire.NewClient(conn)} }

// Dial connects to the agent's socket at path. A missing socket or one
// nobody listens on gives ErrNotRunning.
func Dial(path string) (*Client, error) {
	c, err := wire.Dial(path)
	if err != nil {
		return nil, err
	}
	return &Client{c}, nil
}

// DialAt connects to the agent where w says.
func DialAt(w Where) (*Client, error) {
	c, err := w.Dial()
	if err != nil {
		return nil, err
	}
	return &Client{c}, nil
}

func (c *Client) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	resp, err := c.Call(&request{Request: wire.Request{Op: "unwrap"}, Stanzas: stanzas})
	if err != nil {
		if resp != nil {
			return nil, decodeErr(resp)
		}
		return nil, err
	}
	return resp.FileKey, nil
}

// Identity is an age.Identity whose Unwrap asks an agent: the secret key
// stays in the agent, only the file key comes back.
type Identity struct{ Agent Agent }

func (id Identity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	return id.Agent.Unwrap(stanzas)
}
