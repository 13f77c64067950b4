package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

type postureEntry struct {
	Name    string
	Status  string
	Posture *[]struct {
		Kind, Severity, Endpoint, Message string
	}
}

func checkPostureJSON(t *testing.T, s *sandbox, args ...string) ([]postureEntry, result) {
	t.Helper()
	r := s.run("", append([]string{"check", "--posture", "--json", "--passphrase-file", s.passFile}, args...)...)
	var items []postureEntry
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("check --posture --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return items, r
}

func postureKinds(e postureEntry) []string {
	var ks []string
	if e.Posture != nil {
		for _, f := range *e.Posture {
			ks = append(ks, f.Kind)
		}
	}
	slices.Sort(ks)
	return ks
}

// A weak Dovecot (TLS 1.0, every cipher, cleartext logins, a 1024-bit
// key) on 127.0.0.2: check --posture names its weaknesses per account,
// keeps them with the last check, audit and the monitoring outputs carry
// them, and a later check without --posture keeps them.
func TestCheckPostureWeakDovecot(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	const pw = "Posture-Sentinel-9f3c1e"
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": pw},
		Listen: "127.0.0.2", MinProtocol: "TLSv1", CipherList: "ALL:@SECLEVEL=0", PlaintextAuth: true,
		Cert: testimap.CertSpec{RSABits: 1024}})
	s.init()
	s.must(pw+"\n", "add", "--name", "weak-starttls", "--host", d.Host(), "--port", strconv.Itoa(d.StartTLSPort()),
		"--security", "starttls", "--user", "u", "--password-stdin", "--passphrase-file", s.passFile)
	s.must(pw+"\n", "add", "--name", "weak-tls", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--user", "u", "--password-stdin", "--passphrase-file", s.passFile)

	items, r := checkPostureJSON(t, s)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (findings)\n%s", r.code, r.stderr)
	}
	// 993 on 127.0.0.2 is closed: the STARTTLS account has no implicit
	// port (unless a system Dovecot listens on every address).
	want := map[string][]string{
		"weak-starttls": {"cert_key", "cleartext_auth", "old_tls", "starttls_only", "weak_cipher"},
		"weak-tls":      {"cert_key", "old_tls", "weak_cipher"},
	}
	only := !listening(d.Host() + ":993")
	if !only {
		want["weak-starttls"] = slices.DeleteFunc(want["weak-starttls"], func(k string) bool { return k == "starttls_only" })
	}
	for _, it := range items {
		if it.Status != "ok" {
			t.Errorf("%s: login %s", it.Name, it.Status)
		}
		if got := postureKinds(it); !slices.Equal(got, want[it.Name]) {
			t.Errorf("%s: posture kinds %v, want %v", it.Name, got, want[it.Name])
		}
	}
	if strings.Contains(r.stdout+r.stderr, pw) {
		t.Fatal("the password is in the output")
	}

	// Stored: audit --json shows them as findings of the same kinds, also
	// after a check that made no probe.
	s.must("", "check", "--passphrase-file", s.passFile)
	r = s.run("", "audit", "--json", "--passphrase-file", s.passFile)
	var doc struct {
		Findings []struct{ Account, Kind, Severity, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("audit --json: %v\n%s", err, r.stdout)
	}
	got := map[string][]string{}
	for _, f := range doc.Findings {
		if slices.Contains(want[f.Account], f.Kind) {
			got[f.Account] = append(got[f.Account], f.Kind)
		}
	}
	for name, kinds := range want {
		slices.Sort(got[name])
		if !slices.Equal(got[name], kinds) {
			t.Errorf("audit --json for %s: %v, want %v", name, got[name], kinds)
		}
	}
	r = s.run("", "audit", "--passphrase-file", s.passFile)
	if !strings.Contains(r.stdout, "cleartext_auth") || !strings.Contains(r.stdout, "completes a handshake at TLS 1.1 and TLS 1.0") {
		t.Errorf("audit text lacks the posture findings:\n%s", r.stdout)
	}

	// The text report lists each finding once with its accounts.
	r = s.run("", "check", "--posture", "--passphrase-file", s.passFile)
	if r.code != 1 || !strings.Contains(r.stdout, "POSTURE") || !strings.Contains(r.stdout, "high     cleartext_auth") {
		t.Errorf("check --posture text (exit %d):\n%s", r.code, r.stdout)
	}

	// Monitoring counts them.
	r = s.run("", "check", "--posture", "--nagios", "--passphrase-file", s.passFile)
	if r.code != 2 || !strings.HasPrefix(r.stdout, "IMAPVAULT CRITICAL - ") || !strings.Contains(r.stdout, "posture=") ||
		!strings.Contains(r.stdout, "cleartext_auth") || !strings.Contains(r.stdout, "WARNING: imap "+d.Host()) {
		t.Errorf("check --posture --nagios (exit %d):\n%s", r.code, r.stdout)
	}
	prom := filepath.Join(s.dir, "imapvault.prom")
	s.run("", "check", "--prometheus", prom, "--passphrase-file", s.passFile)
	text := string(readFile(t, prom))
	for _, l := range []string{
		`imapvault_audit_findings{kind="old_tls",severity="medium"} 2`,
		`imapvault_audit_findings{kind="cleartext_auth",severity="high"} 1`,
	} {
		if !strings.Contains(text, l+"\n") {
			t.Errorf("prometheus file lacks %s", l)
		}
	}
}

// A strong Dovecot gives an empty posture and exit 0.
func TestCheckPostureStrongDovecot(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": "strong-pw"}, Listen: "127.0.0.2",
		CipherList: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305"})
	s.init()
	s.must("strong-pw\n", "add", "--name", "strong", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--user", "u", "--password-stdin", "--passphrase-file", s.passFile)
	items, r := checkPostureJSON(t, s)
	if r.code != 0 || len(items) != 1 || items[0].Posture == nil || len(*items[0].Posture) != 0 {
		t.Fatalf("exit %d, want 0 and \"posture\": []\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Without --posture the entries have no "posture" member.
	r = s.run("", "check", "--json", "--passphrase-file", s.passFile)
	if strings.Contains(r.stdout, `"posture"`) {
		t.Errorf("check --json without --posture: %s", r.stdout)
	}
}

// The acceptance bound: 48 accounts on 4 servers. The posture probes add
// at most a fixed number of connections per server, however many accounts
// it holds. (The per-host limit of the probes is tested in package posture:
// here the logins' lingering LOGOUTs overlap them.)
func TestCheckPostureConnectionsPerServer(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	var servers []*testimap.Server
	var csv strings.Builder
	csv.WriteString("name,host,port,security,username,password,changed\n")
	for i := range 4 {
		mode, sec := testimap.ImplicitTLS, "tls"
		if i%2 == 1 {
			mode, sec = testimap.STARTTLS, "starttls"
		}
		users := map[string]string{}
		for j := range 12 {
			users[fmt.Sprintf("u%d", j)] = fmt.Sprintf("pw-%d-%d-long-enough", i, j)
		}
		srv := testimap.Start(t, testimap.Options{Mode: mode, Users: users})
		servers = append(servers, srv)
		for j := range 12 {
			fmt.Fprintf(&csv, "s%d-a%02d,127.0.0.1,%d,%s,u%d,pw-%d-%d-long-enough,2026-01-01\n", i, j, srv.Port(), sec, j, i, j)
		}
	}
	path := filepath.Join(s.dir, "accounts.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s.init()
	s.must("", "import", path, "--passphrase-file", s.passFile)

	r := s.run("", "check", "--json", "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("check: exit %d\n%s", r.code, r.stderr)
	}
	before := make([]int, len(servers))
	for i, srv := range servers {
		before[i] = srv.Conns()
	}
	items, r := checkPostureJSON(t, s)
	if len(items) != 48 {
		t.Fatalf("%d entries\n%s", len(items), r.stderr)
	}
	const perServer = 8 // posture.probe: 3 + 2 TLS versions + 3 weak-suite handshakes, at most
	for i, srv := range servers {
		logins := before[i] // the plain check's: one per account
		posture := srv.Conns() - before[i] - logins
		t.Logf("server %d: %d connections for 12 logins, %d for the posture", i, logins, posture)
		if logins != 12 || posture < 1 || posture > perServer {
			t.Errorf("server %d: %d posture connections (logins %d), want 1..%d", i, posture, logins, perServer)
		}
	}
	for _, it := range items {
		if it.Posture == nil {
			t.Errorf("%s: no posture", it.Name)
		}
	}
}

func listening(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
