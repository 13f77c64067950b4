//go:build unix

package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// No password, passphrase or identity key in the agent's log, argv,
// environment, or any file under the sandbox (the agent's folder too).
func TestAgentSentinel(t *testing.T) {
	const pw = "Agent-Sentinel-pw-4c1e8a"
	s := newAgentSandbox(t)
	s.add("work", pw)
	id, err := vault.LoadIdentity(s.identity, func() ([]byte, error) { return []byte("test passphrase"), nil })
	if err != nil {
		t.Fatal(err)
	}
	key := id.Identities[0].(*age.X25519Identity).String()
	secrets := map[string]string{"password": pw, "passphrase": "test passphrase", "identity key": key}

	logPath := filepath.Join(t.TempDir(), "agent.log")
	pid, stop := s.foregroundAgent(logPath)
	s.unlock()
	if r := s.detached("get", "work"); r.code != 0 || r.stdout != pw+"\n" {
		t.Fatalf("get: %d %q %s", r.code, r.stdout, r.stderr)
	}
	s.detached("list")
	s.detached("get", "nope")
	proc := map[string][]byte{}
	for _, f := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), f))
		if err != nil {
			t.Fatal(err)
		}
		proc["agent "+f] = b
	}
	s.must("", "lock")
	stop()
	proc["agent log"] = readFile(t, logPath)
	if !bytes.Contains(proc["agent log"], []byte("unlocked")) {
		t.Fatalf("the log shows no activity; is it the agent's?\n%s", proc["agent log"])
	}
	filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == s.passFile || d.Type()&fs.ModeSocket != 0 || d.Type()&fs.ModeNamedPipe != 0 {
			return nil
		}
		proc[path] = readFile(t, path)
		return nil
	})
	for where, b := range proc {
		for what, sec := range secrets {
			if bytes.Contains(b, []byte(sec)) || strings.Contains(strings.ToLower(string(b)), strings.ToLower(sec)) {
				t.Errorf("the %s shows up in %s", what, where)
			}
		}
	}
}
