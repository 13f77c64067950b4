package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
)

// The sending half end to end: add/edit take the SMTP flags, list --json
// shows them, check proves SMTP beside IMAP and fails (exit 1) when only
// SMTP does, in --json, the table, --nagios, --prometheus, --failed and
// audit; edit --smtp-host - takes the endpoint away again.
func TestCheckProvesSMTP(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	const pw = "shared-secret-9d2f"
	imap := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": pw, "bob": pw}})
	smtp := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{"alice": pw, "bob": pw},
		Senders: map[string][]string{"bob": {"bob@example.test"}}})
	s.init()
	port, sport := strconv.Itoa(imap.Port()), strconv.Itoa(smtp.Port())
	s.must(pw+"\n", "add", "--name", "alice", "--host", "127.0.0.1", "--port", port, "--user", "alice", "--password-stdin",
		"--address", "alice@example.test", "--smtp-host", "127.0.0.1", "--smtp-port", sport, "--passphrase-file", s.passFile)
	out := s.must(pw+"\n", "add", "--name", "bob", "--host", "127.0.0.1", "--port", port, "--user", "bob", "--password-stdin",
		"--address", "robert@example.test", "--smtp-host", "127.0.0.1", "--smtp-port", sport, "--smtp-security", "tls", "--passphrase-file", s.passFile).stdout
	if !strings.Contains(out, "sends via 127.0.0.1:"+sport+" (tls) as robert@example.test") {
		t.Errorf("add says nothing of SMTP: %s", out)
	}
	s.must(pw+"\n", "add", "--name", "carol", "--host", "127.0.0.1", "--port", port, "--user", "alice", "--password-stdin", "--passphrase-file", s.passFile)

	var list []struct {
		Name, Address string
		SMTP          *struct {
			Host, Security, Username string
			Port                     int
		}
	}
	if err := json.Unmarshal([]byte(s.must("", "list", "--json", "--passphrase-file", s.passFile).stdout), &list); err != nil {
		t.Fatal(err)
	}
	if a := list[0]; a.Address != "alice@example.test" || a.SMTP == nil || a.SMTP.Host != "127.0.0.1" || a.SMTP.Port != smtp.Port() ||
		a.SMTP.Security != "tls" || a.SMTP.Username != "alice" {
		t.Errorf("list --json alice: %+v %+v", a, a.SMTP)
	}
	if list[2].SMTP != nil || list[2].Address != "" {
		t.Errorf("carol has SMTP: %+v", list[2])
	}

	r := s.run("", "check", "--json", "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("check exit %d, want 1 (bob may not send as robert@)\n%s%s", r.code, r.stdout, r.stderr)
	}
	var items []struct {
		Name, Status string
		SMTP         *struct {
			Status, Error string
			LatencyMS     *int64 `json:"latency_ms"`
			TLS           *struct{ Version string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	want := map[string]string{"alice": "ok", "bob": "sender_refused", "carol": ""}
	for _, it := range items {
		if it.Status != "ok" {
			t.Errorf("%s: IMAP %s", it.Name, it.Status)
		}
		got := ""
		if it.SMTP != nil {
			got = it.SMTP.Status
			if it.SMTP.LatencyMS == nil || it.SMTP.TLS == nil || it.SMTP.TLS.Version == "" {
				t.Errorf("%s: smtp entry lacks latency or tls: %+v", it.Name, it.SMTP)
			}
		}
		if got != want[it.Name] {
			t.Errorf("%s: smtp %q, want %q", it.Name, got, want[it.Name])
		}
		if it.Name == "bob" && !strings.Contains(it.SMTP.Error, "553 5.7.1") {
			t.Errorf("bob's refusal lost the server's words: %q", it.SMTP.Error)
		}
	}
	if smtp.Datas() != 0 {
		t.Fatalf("a check sent DATA")
	}

	table := s.run("", "check", "--passphrase-file", s.passFile)
	if table.code != 1 || !strings.Contains(table.stdout, "FAIL sender_refused") || !strings.Contains(table.stdout, "3 checked, 2 ok, 1 failed") {
		t.Errorf("table: exit %d\n%s", table.code, table.stdout)
	}
	nag := s.run("", "check", "--nagios", "--passphrase-file", s.passFile)
	if nag.code != 2 || !strings.Contains(nag.stdout, "1 of 3 accounts fails to log in: bob (smtp sender_refused)") {
		t.Errorf("nagios: exit %d\n%s", nag.code, nag.stdout)
	}
	prom := filepath.Join(s.dir, "m.prom")
	s.run("", "check", "--prometheus", prom, "--passphrase-file", s.passFile)
	metrics, _ := os.ReadFile(prom)
	if !strings.Contains(string(metrics), `imapvault_login_ok{account="bob",host="127.0.0.1",status="sender_refused",protocol="smtp"} 0`) ||
		!strings.Contains(string(metrics), `imapvault_login_ok{account="alice",host="127.0.0.1",status="ok",protocol="smtp"} 1`) {
		t.Errorf("prometheus lacks the smtp samples:\n%s", metrics)
	}
	failed := s.run("", "check", "--failed", "--json", "--passphrase-file", s.passFile)
	if !strings.Contains(failed.stdout, `"bob"`) || strings.Contains(failed.stdout, `"alice"`) {
		t.Errorf("--failed should re-check bob only:\n%s", failed.stdout)
	}
	audit := s.run("", "audit", "--json", "--passphrase-file", s.passFile)
	if !strings.Contains(audit.stdout, `"sender_refused"`) || !strings.Contains(audit.stdout, "robert@example.test") {
		t.Errorf("audit has no sender_refused finding:\n%s", audit.stdout)
	}

	// Fix the address: now all is well; then take SMTP away.
	s.must("", "edit", "bob", "--address", "bob@example.test", "--passphrase-file", s.passFile)
	if r := s.run("", "check", "bob", "--passphrase-file", s.passFile); r.code != 0 {
		t.Errorf("after the fix: exit %d\n%s", r.code, r.stdout)
	}
	s.must("", "edit", "bob", "--smtp-host", "-", "--passphrase-file", s.passFile)
	if out := s.must("", "list", "--json", "--passphrase-file", s.passFile).stdout; strings.Count(out, `"smtp"`) != 1 {
		t.Errorf("bob's endpoint not removed:\n%s", out)
	}
	for _, out := range []string{r.stdout, r.stderr, table.stdout, nag.stdout, string(metrics), audit.stdout} {
		if strings.Contains(out, pw) {
			t.Fatalf("the password is in the output")
		}
	}
}

func TestSMTPFlagsRefuseNonsense(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.must("pw-1\n", "add", "--name", "a", "--host", "h.example", "--user", "u", "--password-stdin", "--passphrase-file", s.passFile)
	cases := [][]string{
		{"edit", "a", "--smtp-port", "587"},                                  // no endpoint yet
		{"edit", "a", "--smtp-host", "-", "--smtp-port", "587"},              // remove and set
		{"edit", "a", "--address", "not an address"},                         // invalid
		{"edit", "a", "--smtp-host", "smtp.example", "--smtp-security", "x"}, // unknown security
	}
	for _, c := range cases {
		if r := s.run("", append(c, "--passphrase-file", s.passFile)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", c, r.code, r.stderr)
		}
	}
	s.must("", "edit", "a", "--smtp-host", "smtp.example", "--smtp-port", "587", "--passphrase-file", s.passFile)
	out := s.must("", "list", "--json", "--passphrase-file", s.passFile).stdout
	if !strings.Contains(out, `"security": "starttls"`) || !strings.Contains(out, `"port": 587`) {
		t.Errorf("--smtp-port 587 alone should mean starttls:\n%s", out)
	}
	s.must("", "edit", "a", "--smtp-security", "tls", "--passphrase-file", s.passFile)
	if out := s.must("", "list", "--json", "--passphrase-file", s.passFile).stdout; !strings.Contains(out, `"port": 465`) {
		t.Errorf("changing security should move the default port:\n%s", out)
	}
}
