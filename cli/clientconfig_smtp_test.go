//go:build unix

package cli

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// With an endpoint and an address, every sending client gets both; real
// neomutt reads its block and runs the password command for smtp_pass.
func TestClientConfigSMTP(t *testing.T) {
	s, env := ccSandbox(t)
	s.must("", "edit", ccName, "--address", "me+box@example.org", "--smtp-host", "smtp.example.org", "--smtp-port", "587",
		"--smtp-user", "sender@example.org")
	tests := []struct {
		client string
		want   []string
	}{
		{"msmtp", []string{`host "smtp.example.org"`, "port 587", "tls on", "tls_starttls on", `user "sender@example.org"`,
			`from "me+box@example.org"`, `passwordeval "imapvault --vault `}},
		{"aerc", []string{"outgoing = smtp://sender%40example.org@smtp.example.org:587", `outgoing-cred-cmd = """imapvault --vault `, "from = me+box@example.org"}},
		{"neomutt", []string{`set smtp_url = "smtp://sender%40example.org@smtp.example.org:587/"`, `set from = "me+box@example.org"`, "set smtp_pass = \"`imapvault --vault "}},
		{"himalaya", []string{`email = "me+box@example.org"`, `message.send.backend.host = "smtp.example.org"`, `message.send.backend.port = 587`,
			`message.send.backend.encryption.type = "start-tls"`, `message.send.backend.login = "sender@example.org"`, `message.send.backend.auth.cmd = "imapvault --vault `}},
	}
	for _, tc := range tests {
		out := s.must("", "client-config", tc.client, ccName).stdout
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: missing %s in:\n%s", tc.client, w, out)
			}
		}
		if strings.Contains(out, ccPw) || strings.Contains(out, "guess") {
			t.Errorf("%s: password or a guess in:\n%s", tc.client, out)
		}
	}
	neomutt := testimap.LookBin(t, "neomutt", "neomutt")
	cfg := writeConfig(t, s, "neomutt")
	cmd := exec.Command(neomutt, "-n", "-F", cfg, "-Q", "smtp_url", "-Q", "smtp_pass", "-Q", "from")
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("neomutt: %v\n%s", err, out)
	}
	for _, want := range []string{`smtp_url = "smtp://sender%40example.org@smtp.example.org:587/"`, `smtp_pass = "` + ccPw + `"`, `from = "me+box@example.org"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("neomutt says:\n%s\nwant %s", out, want)
		}
	}
}

// No address known: a commented placeholder, never the login as From.
func TestClientConfigNoAddressNoLoginAsFrom(t *testing.T) {
	s, _ := ccSandbox(t)
	for _, c := range []string{"msmtp", "aerc", "neomutt", "himalaya"} {
		out := s.must("", "client-config", c, ccName).stdout
		for _, l := range strings.Split(out, "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "#") {
				continue
			}
			if k := strings.Fields(l); len(k) > 0 && (k[0] == "from" || k[0] == "email" || (k[0] == "set" && len(k) > 1 && k[1] == "from")) {
				t.Errorf("%s: a From without an address: %q", c, l)
			}
		}
		if !strings.Contains(out, "no address known") {
			t.Errorf("%s: no placeholder:\n%s", c, out)
		}
	}
}
