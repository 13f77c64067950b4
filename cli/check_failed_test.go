package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestCheckFailed: --failed re-checks only the accounts whose last check
// failed, and nothing once they all pass.
func TestCheckFailed(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": "alice-pw", "bob": "bob-pw"}})
	s.init()
	s.addAt("good", srv, "alice", "alice-pw")
	s.addAt("bad", srv, "bob", "bob-new-pw")
	s.addAt("never", srv, "alice", "alice-pw")
	if r := s.run("", "check", "good", "bad", "--passphrase-file", s.passFile); r.code != 1 {
		t.Fatalf("first check: exit %d %s", r.code, r.stderr)
	}
	srv.SetPassword("bob", "bob-new-pw") // the provider caught up
	logins := srv.Logins()
	r := s.run("", "check", "--failed", "--json", "--passphrase-file", s.passFile)
	var items []struct{ Name, Status string }
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil || r.code != 0 {
		t.Fatalf("check --failed: exit %d %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(items) != 1 || items[0].Name != "bad" || items[0].Status != "ok" {
		t.Fatalf("check --failed checked %+v, want only bad (never-checked and ok accounts are skipped)", items)
	}
	if n := srv.Logins() - logins; n != 1 {
		t.Errorf("check --failed made %d logins, want 1", n)
	}
	r = s.run("", "check", "--failed", "--passphrase-file", s.passFile)
	if r.code != 0 || !strings.Contains(r.stderr, "no account failed its last check") || srv.Logins()-logins != 1 {
		t.Errorf("nothing failed: exit %d, %d logins, stderr %q", r.code, srv.Logins()-logins, r.stderr)
	}
	r = s.run("", "check", "--failed", "--nagios", "--passphrase-file", s.passFile)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "IMAPVAULT OK - no account failed its last check |") {
		t.Errorf("--failed --nagios with nothing failed: exit %d %q", r.code, r.stdout)
	}
}
