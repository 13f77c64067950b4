package cli

import (
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// trustTestCA writes the test CA where the child's SSL_CERT_FILE finds it,
// which also proves the system-roots path honours SSL_CERT_FILE.
func trustTestCA(t *testing.T, s *sandbox) {
	t.Helper()
	ca, err := testimap.DefaultCA()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.dir, "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", p)
}

func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestCheckJSONAndLastCheck(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": "right-pw", "bob": "bob-pw"}})
	st := testimap.Start(t, testimap.Options{Mode: testimap.STARTTLS, Users: map[string]string{"carol": "carol-pw"}})
	s.init()
	port := strconv.Itoa(srv.Port())
	s.must("right-pw\n", "add", "--name", "good", "--host", "127.0.0.1", "--port", port, "--user", "alice", "--password-stdin", "--passphrase-file", s.passFile)
	s.must("not-bobs\n", "add", "--name", "badpw", "--host", "127.0.0.1", "--port", port, "--user", "bob", "--password-stdin", "--passphrase-file", s.passFile)
	s.must("carol-pw\n", "add", "--name", "start", "--security", "starttls", "--host", "127.0.0.1", "--port", strconv.Itoa(st.Port()), "--user", "carol", "--password-stdin", "--passphrase-file", s.passFile)
	s.must("x\n", "add", "--name", "down", "--host", "127.0.0.1", "--port", strconv.Itoa(closedPort(t)), "--user", "d", "--password-stdin", "--passphrase-file", s.passFile)

	r := s.run("", "check", "--json", "--timeout", testwait.Patience.String(), "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("check exit %d, want 1 (one account fails)\n%s%s", r.code, r.stdout, r.stderr)
	}
	var items []struct {
		Name      string
		Status    string
		Error     string
		LatencyMS *int64 `json:"latency_ms"`
		TLS       *struct {
			Version  string
			NotAfter string `json:"not_after"`
			DaysLeft *int   `json:"days_left"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("check --json: %v\n%s", err, r.stdout)
	}
	want := map[string]string{"good": "ok", "badpw": "auth_failed", "start": "ok", "down": "unreachable"}
	if len(items) != len(want) {
		t.Fatalf("got %d results, want %d", len(items), len(want))
	}
	for _, it := range items {
		if it.Status != want[it.Name] {
			t.Errorf("%s: status %s, want %s (error %q)", it.Name, it.Status, want[it.Name], it.Error)
		}
		if it.LatencyMS == nil {
			t.Errorf("%s: no latency_ms", it.Name)
		}
		if it.Status == "ok" && (it.Error != "" || it.TLS == nil || it.TLS.Version == "" || it.TLS.DaysLeft == nil || it.TLS.NotAfter == "") {
			t.Errorf("%s: ok result without tls details or with an error: %+v", it.Name, it)
		}
		if it.Status == "auth_failed" && it.Error == "" {
			t.Errorf("%s: auth_failed without the server's words", it.Name)
		}
	}
	list := s.must("", "list", "--json", "--passphrase-file", s.passFile).stdout
	var accts []struct {
		Name      string
		LastCheck *struct{ Status string } `json:"last_check"`
	}
	if err := json.Unmarshal([]byte(list), &accts); err != nil {
		t.Fatalf("list --json: %v\n%s", err, list)
	}
	if len(accts) != len(want) {
		t.Fatalf("list --json has %d accounts, want %d", len(accts), len(want))
	}
	for _, a := range accts {
		if a.LastCheck == nil || a.LastCheck.Status != want[a.Name] {
			t.Errorf("%s: stored last check %+v, want status %s", a.Name, a.LastCheck, want[a.Name])
		}
	}
	human := s.run("", "check", "good", "--passphrase-file", s.passFile)
	if human.code != 0 || !strings.Contains(human.stdout, "good") || !strings.Contains(human.stdout, "1 checked, 1 ok, 0 failed") {
		t.Errorf("check good: exit %d\n%s%s", human.code, human.stdout, human.stderr)
	}
	if r := s.run("", "check", "nosuch", "--passphrase-file", s.passFile); r.code != 2 || !strings.Contains(r.stderr, `no account named "nosuch"`) {
		t.Errorf("unknown name: exit %d %q", r.code, r.stderr)
	}
}
