//go:build unix

package cli

import (
	"strings"
	"testing"
)

// With an endpoint and an address, every sending client gets both; real
// neomutt sends through its block: TestNeomuttSendsThroughTheHook.
func TestClientConfigSMTP(t *testing.T) {
	s, _ := ccSandbox(t)
	s.must("", "edit", ccName, "--address", "me+box@example.org", "--smtp-host", "smtp.example.org", "--smtp-port", "587",
		"--smtp-user", "sender@example.org")
	tests := []struct {
		client string
		want   []string
	}{
		{"msmtp", []string{`host "smtp.example.org"`, "port 587", "tls on", "tls_starttls on", `user "sender@example.org"`,
			`from "me+box@example.org"`, `passwordeval "imapvault --vault `}},
		{"aerc", []string{"outgoing = smtp://sender%40example.org@smtp.example.org:587", `outgoing-cred-cmd = """imapvault --vault `, "from = me+box@example.org"}},
		{"neomutt", []string{`set smtp_url = "smtp://sender%40example.org@smtp.example.org:587/"`, `set from = "me+box@example.org"`,
			`account-hook "^smtp://sender@example[.]org@smtp[.]example[.]org(:587)?/" "set smtp_pass = \"\` + "`" + `imapvault --vault `}},
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
}

// No address known: a commented placeholder, never the login as From
// (the login here even looks like an address), in any client's block;
// with one, the address and never the login.
func TestClientConfigNoAddressNoLoginAsFrom(t *testing.T) {
	s, _ := ccSandbox(t)
	fromKeys := map[string]bool{"from": true, "email": true, "set from": true, "from_address": true, "display-name": true}
	key := func(l string) string { // "set from = x" -> "set from"; "from x" -> "from"
		f := strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '=' || r == '\t' })
		if len(f) > 1 && f[0] == "set" {
			return "set " + f[1]
		}
		if len(f) > 0 {
			return f[0]
		}
		return ""
	}
	senders := map[string]bool{"msmtp": true, "aerc": true, "neomutt": true, "himalaya": true}
	for c := range clientConfigs {
		out := s.must("", "client-config", c, ccName).stdout
		for _, l := range strings.Split(out, "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "#") {
				continue
			}
			if fromKeys[key(l)] {
				t.Errorf("%s: a From without an address: %q", c, l)
			}
		}
		if senders[c] && !strings.Contains(out, "no address known") {
			t.Errorf("%s: no placeholder:\n%s", c, out)
		}
	}
	s.must("", "edit", ccName, "--address", "box@example.net")
	for c := range senders {
		out := s.must("", "client-config", c, ccName).stdout
		found := false
		for _, l := range strings.Split(out, "\n") {
			if l = strings.TrimSpace(l); !strings.HasPrefix(l, "#") && fromKeys[key(l)] {
				found = true
				if !strings.Contains(l, "box@example.net") || strings.Contains(l, "me@example.org") {
					t.Errorf("%s: From is not the address: %q", c, l)
				}
			}
		}
		if !found {
			t.Errorf("%s: no From with an address known:\n%s", c, out)
		}
	}
}
