package agent

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"filippo.io/age"
)

// Client talks to an agent over a connection and implements Agent.
type Client struct {
	mu   sync.Mutex
	conn net.Conn
	r    *bufio.Reader
	// Timeout bounds each request, so a stuck agent never hangs a mail
	// client's password command.
	Timeout time.Duration
}

var _ Agent = (*Client)(nil)

// NewClient returns a client over conn.
func NewClient(conn net.Conn) *Client {
	return &Client{conn: conn, r: bufio.NewReader(conn), Timeout: 10 * time.Second}
}

// Dial connects to the agent's socket at path. A missing socket or one
// nobody listens on gives ErrNotRunning.
func Dial(path string) (*Client, error) {
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w (socket %s)", ErrNotRunning, path)
		}
		return nil, fmt.Errorf("connect to the agent at %s: %w", path, err)
	}
	return NewClient(conn), nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

func (c *Client) call(req *request) (*response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Timeout > 0 {
		c.conn.SetDeadline(time.Now().Add(c.Timeout))
	}
	if err := writeMessage(c.conn, req); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var resp response
	if err := readMessage(c.r, &resp); err != nil {
		return nil, fmt.Errorf("agent: %w (a connection the agent closed at once: is it another user's?)", err)
	}
	return &resp, decodeErr(&resp)
}

func (c *Client) Status() (Status, error) {
	resp, err := c.call(&request{Op: "status"})
	if err != nil {
		return Status{}, err
	}
	if resp.Status == nil {
		return Status{}, errors.New("agent: status missing from the answer")
	}
	return *resp.Status, nil
}

func (c *Client) Unlock(u UnlockRequest) error {
	_, err := c.call(&request{Op: "unlock", Unlock: &u})
	return err
}

func (c *Client) Lock() error {
	_, err := c.call(&request{Op: "lock"})
	return err
}

func (c *Client) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	resp, err := c.call(&request{Op: "unwrap", Stanzas: stanzas})
	if err != nil {
		return nil, err
	}
	return resp.FileKey, nil
}

func (c *Client) Get(vaultPath string, q Query) (string, error) {
	resp, err := c.call(&request{Op: "get", Vault: vaultPath, Query: &q})
	if err != nil {
		return "", err
	}
	if resp.Value == nil {
		return "", errors.New("agent: value missing from the answer")
	}
	return *resp.Value, nil
}

func (c *Client) Names(vaultPath string) ([]string, error) {
	resp, err := c.call(&request{Op: "names", Vault: vaultPath})
	if err != nil {
		return nil, err
	}
	return resp.Names, nil
}

func (c *Client) Stop() error {
	_, err := c.call(&request{Op: "stop"})
	return err
}

// Identity is an age.Identity whose Unwrap asks an agent: the secret key
// stays in the agent, only the file key comes back.
type Identity struct{ Agent Agent }

func (id Identity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	return id.Agent.Unwrap(stanzas)
}
