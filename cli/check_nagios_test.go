package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/imapvault/imapvault/internal/testimap"
)

// nagiosNormal replaces what changes from run to run: the check's time and
// the ports the kernel chose.
func nagiosNormal(s string) string {
	s = regexp.MustCompile(`time=[0-9]+\.[0-9]{2}s`).ReplaceAllString(s, "time=X.XXs")
	s = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`).ReplaceAllString(s, "127.0.0.1:PORT")
	s = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}`).ReplaceAllString(s, "YYYY-MM-DD")
	return regexp.MustCompile(`/tmp/[^ :"]*`).ReplaceAllString(s, "TMP")
}

// addAt adds an account on a test server.
func (s *sandbox) addAt(name string, srv *testimap.Server, user, pw string) {
	s.t.Helper()
	s.must(pw+"\n", "add", "--name", name, "--host", "127.0.0.1", "--port", strconv.Itoa(srv.Port()),
		"--user", user, "--password-stdin", "--passphrase-file", s.passFile)
}

// TestCheckNagios runs check --nagios on vaults whose worst problem is
// none, an expiring certificate, a failed login and no vault at all, and
// compares output and exit code with the golden files.
func TestCheckNagios(t *testing.T) {
	users := map[string]string{"alice": "alice-pw", "bob": "bob-pw"}
	fresh := testimap.Start(t, testimap.Options{Users: users})
	soon := testimap.Start(t, testimap.Options{Users: users, Cert: testimap.CertSpec{Days: 15}})
	verySoon := testimap.Start(t, testimap.Options{Users: users, Cert: testimap.CertSpec{Days: 3}})
	expired := testimap.Start(t, testimap.Options{Users: users, Cert: testimap.CertSpec{Days: -2}})

	tests := []struct {
		name     string
		accounts func(s *sandbox)
		args     []string
		code     int
	}{
		{"ok", func(s *sandbox) {
			s.addAt("home", fresh, "alice", "alice-pw")
			s.addAt("work", fresh, "bob", "bob-pw")
		}, nil, 0},
		{"warning", func(s *sandbox) {
			s.addAt("home", fresh, "alice", "alice-pw")
			s.addAt("shop", soon, "bob", "bob-pw")
		}, nil, 1},
		{"warning-narrow", func(s *sandbox) { // the same certificate, outside a 10-day window
			s.addAt("shop", soon, "bob", "bob-pw")
		}, []string{"--warn-days", "10", "--crit-days", "2"}, 0},
		{"critical", func(s *sandbox) {
			s.addAt("old-isp", fresh, "alice", "wrong-pw")
			s.addAt("home", fresh, "alice", "alice-pw")
			s.addAt("club", verySoon, "bob", "bob-pw")
			s.addAt("shop", soon, "bob", "bob-pw")
			s.addAt("stale-cert", expired, "bob", "bob-pw")
			s.must("x\n", "add", "--name", "gone", "--host", "127.0.0.1", "--port", strconv.Itoa(closedPort(t)),
				"--user", "d", "--password-stdin", "--passphrase-file", s.passFile)
		}, nil, 2},
		{"unknown-no-vault", nil, nil, 3},
		{"unknown-usage", func(s *sandbox) {}, []string{"--crit-days", "30"}, 3},
		{"unknown-bad-flag", func(s *sandbox) {}, []string{"--no-such-flag"}, 3},
		{"unknown-global-flag", func(s *sandbox) {}, []string{"--vault"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSandbox(t)
			trustTestCA(t, s)
			if tt.accounts != nil {
				s.init()
				tt.accounts(s)
			}
			args := append([]string{"check", "--nagios", "--timeout", "20s", "--passphrase-file", s.passFile}, tt.args...)
			r := s.run("", args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, pw := range []string{"alice-pw", "bob-pw", "wrong-pw"} {
				if strings.Contains(r.stdout+r.stderr, pw) {
					t.Fatalf("a password (%s) is in the output", pw)
				}
			}
			golden.RequireEqual(t, fmt.Sprintf("exit %d\n%s", r.code, nagiosNormal(r.stdout)))
		})
	}
}

// TestCheckNagiosWrongPassphrase: a vault that can't be opened is UNKNOWN.
func TestCheckNagiosWrongPassphrase(t *testing.T) {
	s := newSandbox(t)
	s.init()
	bad := filepath.Join(s.dir, "wrong")
	os.WriteFile(bad, []byte("not it\n"), 0o600)
	r := s.run("", "check", "--nagios", "--passphrase-file", bad)
	if r.code != 3 || !regexp.MustCompile(`^IMAPVAULT UNKNOWN - .*passphrase`).MatchString(r.stdout) {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}
