package wire

import (
	"bufio"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// privateTemp is a folder as the agent makes it: ours, 0700.
func privateTemp(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestDialNobodyThere(t *testing.T) {
	dir := privateTemp(t)
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close() // the socket file stays, nobody listens: an agent that died
	if _, err := os.Stat(stale); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing.sock"), stale, filepath.Join(dir, "no-folder", "agent.sock")} {
		if _, err := Dial(path); !errors.Is(err, ErrNotRunning) {
			t.Errorf("%s: %v, want ErrNotRunning", filepath.Base(path), err)
		}
	}
}

// The syscall-dialled client speaks the protocol the agent reads: one JSON
// line each way, errors carried by code.
func TestClientRoundTrip(t *testing.T) {
	path := filepath.Join(privateTemp(t), "agent.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan Request, 2)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		for _, answer := range []string{`{"value":"pw"}`, `{"err":"locked","msg":"the agent is locked for /b"}`} {
			var req Request
			if ReadMessage(r, &req) != nil {
				return
			}
			got <- req
			conn.Write([]byte(answer + "\n"))
		}
	}()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q := Query{Name: "work", Field: "password", Identity: "/a"}
	if v, err := c.Get("/v.age", q); err != nil || v != "pw" {
		t.Fatalf("get = %q, %v", v, err)
	}
	if req := <-got; req.Op != "get" || req.Vault != "/v.age" || req.Query == nil || *req.Query != q {
		b, _ := json.Marshal(req)
		t.Errorf("request on the wire: %s", b)
	}
	if _, err := c.Get("/v.age", Query{Name: "work", Identity: "/b"}); !errors.Is(err, ErrLocked) || err.Error() != "the agent is locked for /b" {
		t.Errorf("locked answer: %v", err)
	}
}
