package wire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Client is one connection to an agent. The agent package's Client adds
// unwrapping (age stanzas) on top.
type Client struct {
	mu   sync.Mutex
	conn io.ReadWriteCloser
	r    *bufio.Reader
	// Timeout bounds each request, so a stuck agent never hangs a mail
	// client's password command. It is applied to a conn that can take a
	// deadline (net.Conn); Dial's socket bounds each read and write itself.
	Timeout time.Duration
}

// NewClient returns a client over conn.
func NewClient(conn io.ReadWriteCloser) *Client {
	return &Client{conn: conn, r: bufio.NewReader(conn), Timeout: dialTimeout}
}

// dialTimeout bounds connecting and each request.
const dialTimeout = 10 * time.Second

// Dial connects to the agent's socket at path. A missing socket or one
// nobody listens on gives ErrNotRunning. Before anything is sent the
// socket's folder must be ours and private, and the process listening must
// be ours: an *UntrustedError (ErrUntrusted) otherwise. Every client, in
// both binaries, comes through here.
func Dial(path string) (*Client, error) {
	if err := checkDir(socketDir(path)); err != nil {
		return nil, err
	}
	conn, err := dialUnix(path, dialTimeout)
	if err != nil {
		var ue *UntrustedError
		if errors.As(err, &ue) {
			return nil, err
		}
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w (socket %s)", ErrNotRunning, path)
		}
		return nil, fmt.Errorf("connect to the agent at %s: %w", path, err)
	}
	return NewClient(conn), nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Call sends req (a Request, or a type that embeds one) and reads the
// answer; the error is the connection's or the one the agent reported.
func (c *Client) Call(req any) (*Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.conn.(interface{ SetDeadline(time.Time) error }); ok && c.Timeout > 0 {
		d.SetDeadline(time.Now().Add(c.Timeout))
	}
	if err := WriteMessage(c.conn, req); err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var resp Response
	if err := ReadMessage(c.r, &resp); err != nil {
		return nil, fmt.Errorf("agent: %w (a connection the agent closed at once: is it another user's?)", err)
	}
	return &resp, DecodeErr(&resp)
}

// Status says whether the agent is unlocked and until when; it never
// extends the idle timer.
func (c *Client) Status() (Status, error) {
	resp, err := c.Call(&Request{Op: "status"})
	if err != nil {
		return Status{}, err
	}
	if resp.Status == nil {
		return Status{}, errors.New("agent: status missing from the answer")
	}
	return *resp.Status, nil
}

// Unlock hands the agent an identity.
func (c *Client) Unlock(u UnlockRequest) error {
	_, err := c.Call(&Request{Op: "unlock", Unlock: &u})
	return err
}

// Lock makes the agent forget the identity.
func (c *Client) Lock() error {
	_, err := c.Call(&Request{Op: "lock"})
	return err
}

// Get returns one field of one account of the vault at vaultPath.
func (c *Client) Get(vaultPath string, q Query) (string, error) {
	resp, err := c.Call(&Request{Op: "get", Vault: vaultPath, Query: &q})
	if err != nil {
		return "", err
	}
	if resp.Value == nil {
		return "", errors.New("agent: value missing from the answer")
	}
	return *resp.Value, nil
}

// Names lists the vault's account names.
func (c *Client) Names(vaultPath string) ([]string, error) {
	resp, err := c.Call(&Request{Op: "names", Vault: vaultPath})
	if err != nil {
		return nil, err
	}
	return resp.Names, nil
}

// Accounts describes the vault's accounts without their secrets. Unlike
// Get it does not count as a use: a program that only looks (the Secret
// Service answering a search) does not keep the agent unlocked. identity,
// when set, is the identity file the caller was told to use (see Query).
func (c *Client) Accounts(vaultPath, identity string) ([]AccountInfo, error) {
	resp, err := c.Call(&Request{Op: "accounts", Vault: vaultPath, Query: &Query{Identity: identity}})
	if err != nil {
		return nil, err
	}
	return resp.Accounts, nil
}

// Stop locks and ends the agent.
func (c *Client) Stop() error {
	_, err := c.Call(&Request{Op: "stop"})
	return err
}

// Dir is the agent's default folder: $XDG_RUNTIME_DIR/imapvault, or, when
// XDG_RUNTIME_DIR is unset (no login session: cron, su, a container),
// imapvault-UID in the temp folder; fallback says which. IMAPVAULT_AGENT_SOCK
// overrides both (Locate).
func Dir(getenv func(string) string) (dir string, fallback bool) {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "imapvault"), false
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("imapvault-%d", os.Getuid())), true
}

// SocketPath is the socket inside dir.
func SocketPath(dir string) string { return filepath.Join(dir, "agent.sock") }

// Unlocked connects to the agent of this session (Locate) and returns it
// when it is unlocked for identityPath (any identity when empty). It never
// prompts: ErrNotRunning or ErrLocked otherwise. Close the client.
func Unlocked(getenv func(string) string, identityPath string) (*Client, Status, error) {
	c, err := Locate(getenv).Dial()
	if err != nil {
		return nil, Status{}, err
	}
	s, err := c.Status()
	if err == nil && !s.Unlocked {
		err = ErrLocked
	}
	if err == nil && identityPath != "" && !SamePath(s.IdentityPath, identityPath) {
		err = fmt.Errorf("%w for %s (it holds %s)", ErrLocked, identityPath, s.IdentityPath)
	}
	if err != nil {
		c.Close()
		return nil, Status{}, err
	}
	return c, s, nil
}

// AbsPath makes a path absolute and follows symlinks where it can, so the
// agent and its clients name one file one way.
func AbsPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p
}

// SamePath reports whether two paths name one file.
func SamePath(a, b string) bool { return AbsPath(a) == AbsPath(b) }
