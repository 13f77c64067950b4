package wire

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testplant"
)

// ourListener listens on dir/agent.sock as this user and counts accepts.
func ourListener(t *testing.T, dir string) (accepted chan struct{}) {
	t.Helper()
	l, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	accepted = make(chan struct{}, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- struct{}{}
			c.Close()
		}
	}()
	return accepted
}

// A folder we would not have made is refused before anything is dialled,
// even when the listener behind it is ours.
func TestDialRefusesFolders(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, runtime string) string // returns the agent folder
		want string
	}{
		{"symlink", func(t *testing.T, runtime string) string {
			real := filepath.Join(runtime, "real")
			os.Mkdir(real, 0o700)
			ourListener(t, real)
			link := filepath.Join(runtime, "imapvault")
			if err := os.Symlink(real, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, "is a symlink"},
		{"open to others", func(t *testing.T, runtime string) string {
			dir := filepath.Join(runtime, "imapvault")
			os.Mkdir(dir, 0o700)
			os.Chmod(dir, 0o777)
			ourListener(t, dir)
			return dir
		}, "is open to others (mode 0777, want 0700)"},
		{"group may write", func(t *testing.T, runtime string) string {
			dir := filepath.Join(runtime, "imapvault")
			os.Mkdir(dir, 0o700)
			os.Chmod(dir, 0o770)
			ourListener(t, dir)
			return dir
		}, "is open to others (mode 0770"},
		{"a file", func(t *testing.T, runtime string) string {
			dir := filepath.Join(runtime, "imapvault")
			os.WriteFile(dir, nil, 0o600)
			return dir
		}, "is not a folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.make(t, t.TempDir())
			_, err := Dial(SocketPath(dir))
			var ue *UntrustedError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUntrusted) {
				t.Fatalf("dial: %v, want an UntrustedError", err)
			}
			if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %s and %q", err, dir, tc.want)
			}
			if !strings.Contains(ue.Hint(), dir) {
				t.Errorf("hint %q does not name the folder", ue.Hint())
			}
		})
	}
}

// Another user made the folder first and listens in it (the /tmp fallback
// without XDG_RUNTIME_DIR), or listens on a socket in a folder that looks
// like ours: every client refuses, names the owner, and sends nothing.
func TestDialRefusesAnotherUsersAgent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(*testing.T, string, string) *testplant.Plant
		want  string
	}{
		{"their folder", testplant.Foreign, "belongs to uid 65534"},
		{"their process in our folder", testplant.InOurDir, "is served by uid 65534"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runtime := testplant.PublicDir(t)
			dir, _ := Dir(func(k string) string {
				if k == "XDG_RUNTIME_DIR" {
					return runtime
				}
				return ""
			})
			identity := "/home/someone/identity.age"
			p := tc.plant(t, dir, identity)
			getenv := func(k string) string {
				if k == "XDG_RUNTIME_DIR" {
					return runtime
				}
				return ""
			}
			_, _, err := Unlocked(getenv, identity)
			if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("Unlocked: %v, want a refusal naming %s and %q", err, dir, tc.want)
			}
			c, err := Dial(SocketPath(dir))
			if err == nil {
				c.Get("/v.age", Query{Name: "work"})
				c.Unlock(UnlockRequest{Keys: []string{"AGE-SECRET-KEY-1PLANTEDTEST"}})
				c.Close()
			}
			if !errors.Is(err, ErrUntrusted) {
				t.Errorf("Dial: %v, want ErrUntrusted", err)
			}
			if tc.name == "their process in our folder" && !p.WaitFor("eof 0") {
				t.Errorf("the peer check was not what refused it:\n%s", p.Log())
			}
			p.Stop()
			if got := p.Received(); got != "" {
				t.Errorf("the planted listener received:\n%s", got)
			}
		})
	}
}
