package agent

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/agent/wire"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// serve runs a keyring behind a real socket in a temp folder.
func serve(t *testing.T) (*Keyring, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "imapvault")
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeyring(nil)
	done := make(chan error, 1)
	go func() { done <- Serve(k, l.UnixListener) }()
	t.Cleanup(func() {
		k.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		l.Close()
	})
	return k, dir
}

func dial(t *testing.T, dir string) *Client {
	t.Helper()
	c, err := Dial(SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestSocketModes(t *testing.T) {
	_, dir := serve(t)
	for path, want := range map[string]os.FileMode{dir: 0o700, SocketPath(dir): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	if _, err := Listen(dir); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("a second agent on the same folder: %v, want ErrAlreadyRunning", err)
	}
}

// The client implements Agent over the socket, and Identity decrypts a
// vault through it with the key never leaving the agent.
func TestClientOverSocket(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work"})
	_, dir := serve(t)
	c := dial(t, dir)
	if _, err := c.Get(path, Query{Name: "work"}); !errors.Is(err, ErrLocked) {
		t.Fatalf("get while locked: %v", err)
	}
	if err := c.Unlock(unlockReq(key, time.Minute, time.Hour)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Status()
	if err != nil || !s.Unlocked || s.Recipient != key.Recipient().String() {
		t.Fatalf("status = %+v, %v", s, err)
	}
	if v, err := c.Get(path, Query{Name: "work"}); err != nil || v != "pw-work" {
		t.Fatalf("get = %q, %v", v, err)
	}
	if _, err := c.Get(path, Query{Name: "nope"}); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("get nope: %v", err)
	}
	f, err := vault.Open(path, &vault.Identity{Identities: []age.Identity{Identity{Agent: c}}})
	if err != nil {
		t.Fatalf("open through the agent: %v", err)
	}
	if f.Vault.Find("work").Password != "pw-work" {
		t.Fatal("wrong vault content through the agent")
	}
	// Another key's file: the agent says "not mine", as age expects.
	other, _ := testVault(t, map[string]string{"x": "y"})
	if _, err := vault.Open(other, &vault.Identity{Identities: []age.Identity{Identity{Agent: c}}}); !errors.Is(err, vault.ErrNoIdentity) {
		t.Fatalf("open another's vault: %v, want ErrNoIdentity", err)
	}
	if err := c.Lock(); err != nil {
		t.Fatal(err)
	}
	if _, err := vault.Open(path, &vault.Identity{Identities: []age.Identity{Identity{Agent: c}}}); err == nil {
		t.Fatal("opened through a locked agent")
	}
}

// The accounts op crosses the socket with no secret in it.
func TestAccountsOverSocket(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "Accounts-Sentinel-pw"})
	_, dir := serve(t)
	c := dial(t, dir)
	if _, err := c.Accounts(path, ""); !errors.Is(err, ErrLocked) {
		t.Fatalf("accounts while locked: %v", err)
	}
	if err := c.Unlock(unlockReq(key, time.Minute, time.Hour)); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Call(&wire.Request{Op: "accounts", Vault: path})
	if err != nil || len(resp.Accounts) != 1 || resp.Accounts[0].Name != "work" {
		t.Fatalf("accounts = %+v, %v", resp, err)
	}
	if b, _ := json.Marshal(resp); strings.Contains(string(b), "Sentinel") {
		t.Fatalf("the answer holds the password: %s", b)
	}
}

// A line over the budget ends the connection instead of growing memory.
func TestMessageBudget(t *testing.T) {
	_, dir := serve(t)
	c := dial(t, dir)
	big := make([]string, 0, 1)
	big = append(big, strings.Repeat("a", wire.MaxMessage+10))
	if err := c.Unlock(UnlockRequest{Keys: big}); err == nil {
		t.Fatal("an oversized request was accepted")
	}
}

// NamesIfUnlocked is what completion and monitoring call: never a prompt,
// ErrNotRunning or ErrLocked at once, the names when unlocked.
func TestNamesIfUnlocked(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw", "home": "pw2"})
	run := t.TempDir()
	getenv := func(k string) string {
		if k == "XDG_RUNTIME_DIR" {
			return run
		}
		return ""
	}
	if _, err := NamesIfUnlocked(getenv, path); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("no agent: %v", err)
	}
	dir, _ := Dir(getenv)
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeyring(nil)
	go Serve(k, l.UnixListener)
	defer func() { k.Stop(); l.Close() }()
	if _, err := NamesIfUnlocked(getenv, path); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked agent: %v", err)
	}
	k.Unlock(unlockReq(key, time.Minute, time.Hour))
	names, err := NamesIfUnlocked(getenv, path)
	if err != nil || len(names) != 2 {
		t.Fatalf("names = %v, %v", names, err)
	}
	// The TUI's way in: an identity it already unlocked.
	k.Lock()
	if err := UnlockWith(getenv, &vault.Identity{Path: "/id", Identities: []age.Identity{key}}, 0, 0); err != nil {
		t.Fatal(err)
	}
	if s, _ := k.Status(); !s.Unlocked || s.Expires.IsZero() {
		t.Fatalf("after UnlockWith: %+v", s)
	}
}

// stopWatcher is a Keyring whose Stop waits for the client to have read
// its answer: `imapvault agent` exits once its keyring stops, so an answer
// written after Stop never arrives ("agent: EOF" from `agent stop`).
type stopWatcher struct {
	*Keyring
	answered chan struct{}
	early    atomic.Bool
}

func (s *stopWatcher) Stop() error {
	select {
	case <-s.answered:
	case <-time.After(testwait.Patience): // a wrong order waits here for ever
		s.early.Store(true)
	}
	return s.Keyring.Stop()
}

func TestStopAnswersBeforeStopping(t *testing.T) {
	a, b := net.Pipe()
	sw := &stopWatcher{Keyring: NewKeyring(nil), answered: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- ServeConn(sw, b) }()
	if err := NewClient(a).Stop(); err != nil {
		t.Fatal(err)
	}
	close(sw.answered)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if sw.early.Load() {
		t.Fatal("the agent stopped before its answer was read")
	}
	select {
	case <-sw.Stopped():
	default:
		t.Fatal("the keyring was not stopped")
	}
}
