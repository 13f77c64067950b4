//go:build unix

package agent

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

func TestLoadLimits(t *testing.T) {
	tests := []struct {
		name     string
		text     string // "" with mode 0: no file
		mode     os.FileMode
		ttl, max time.Duration
		ttlSet   bool
		err      string
	}{
		{name: "no file: the defaults", ttl: DefaultTTL, max: DefaultMax},
		{name: "ttl only", text: "ttl = 2h\n", mode: 0o600, ttl: 2 * time.Hour, max: DefaultMax, ttlSet: true},
		{name: "both, comments and blanks", text: "# mine\n\n  ttl=90m   # a sync every hour\nmax = 12h\n", mode: 0o644,
			ttl: 90 * time.Minute, max: 12 * time.Hour, ttlSet: true},
		{name: "no idle limit", text: "ttl = 0\n", mode: 0o600, ttl: 0, max: DefaultMax, ttlSet: true},
		{name: "never locking", text: "ttl = 0\nmax = 0\n", mode: 0o600, err: "would never lock"},
		{name: "unknown name", text: "tll = 2h\n", mode: 0o600, err: `line 1: unknown setting "tll"`},
		{name: "not a duration", text: "\nttl = two hours\n", mode: 0o600, err: `line 2: ttl wants a duration`},
		{name: "negative", text: "max = -1h\n", mode: 0o600, err: "max wants a duration"},
		{name: "no =", text: "ttl 2h\n", mode: 0o600, err: "want name = value"},
		{name: "writable by others", text: "ttl = 0\n", mode: 0o666, err: "others may write"},
		{name: "too long", text: strings.Repeat("# x\n", 20000), mode: 0o600, err: "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := t.TempDir()
			getenv := func(k string) string {
				if k == "XDG_CONFIG_HOME" {
					return cfg
				}
				return ""
			}
			path := filepath.Join(cfg, "imapvault", "agent.conf")
			if tc.mode != 0 {
				os.MkdirAll(filepath.Dir(path), 0o700)
				if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			l, err := LoadLimits(getenv)
			if tc.err != "" {
				if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want ErrConfig naming %s and %q", err, path, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.TTL != tc.ttl || l.Max != tc.max || l.TTLSet != tc.ttlSet || l.Path != path {
				t.Errorf("got %+v, want ttl %v max %v set %v at %s", l, tc.ttl, tc.max, tc.ttlSet, path)
			}
		})
	}
}

// UnlockWith given no limits (the TUI's "also unlock the agent") gives
// agent.conf's, and an explicit idle limit of 0 stays 0.
func TestUnlockWithUsesAgentConf(t *testing.T) {
	_, key := testVault(t, map[string]string{"work": "pw"})
	run, cfg := t.TempDir(), t.TempDir()
	getenv := func(k string) string {
		switch k {
		case "XDG_RUNTIME_DIR":
			return run
		case "XDG_CONFIG_HOME":
			return cfg
		}
		return ""
	}
	os.MkdirAll(filepath.Join(cfg, "imapvault"), 0o700)
	if err := os.WriteFile(filepath.Join(cfg, "imapvault", ConfigName), []byte("ttl = 3h\nmax = 5h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir, _ := Dir(getenv)
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := NewKeyring(nil)
	go Serve(k, l.UnixListener)
	defer func() { k.Stop(); l.Close() }()
	id := &vault.Identity{Path: "/id", Identities: []age.Identity{key}}
	for _, tc := range []struct {
		ttl, max, want time.Duration
	}{
		{0, 0, 3 * time.Hour},
		{0, time.Hour, 0},
		{time.Minute, time.Hour, time.Minute},
	} {
		if err := UnlockWith(getenv, id, tc.ttl, tc.max); err != nil {
			t.Fatal(err)
		}
		if s, _ := k.Status(); !s.Unlocked || s.TTL != tc.want {
			t.Errorf("UnlockWith(%v, %v): TTL %v, want %v", tc.ttl, tc.max, s.TTL, tc.want)
		}
		k.Lock()
	}
}
