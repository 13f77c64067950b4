package audit

import (
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

func TestSMTPFindings(t *testing.T) {
	tests := []struct {
		status string
		kind   Kind
		sev    Severity
		words  string
	}{
		{"ok", "", "", ""},
		{"sender_refused", SenderRefused, High, "not owned by user"},
		{"auth_failed", SMTPFailed, High, "authentication failed"},
		{"auth_unavailable", SMTPFailed, High, "basic authentication is disabled"},
		{"timeout", SMTPFailed, Medium, ""},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			v := cleanVault()
			a := v.Accounts[0]
			a.Address = "alice@example.com"
			a.SMTP = &vault.Endpoint{Host: "smtp.example.com", Port: 587, Security: vault.STARTTLS}
			a.LastCheck.SMTP = &vault.Check{At: daysAgo(1), Status: tc.status, Error: tc.words}
			fs, err := Run(v, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if tc.kind == "" {
				if len(fs) != 0 {
					t.Fatalf("findings for an ok SMTP check: %+v", fs)
				}
				return
			}
			f := findingOf(fs, "work", tc.kind)
			if f == nil || f.Severity != tc.sev || !strings.Contains(f.Message, "smtp.example.com:587") || !strings.Contains(f.Message, tc.words) {
				t.Fatalf("finding %+v; want %s %s naming the endpoint and %q (all: %+v)", f, tc.kind, tc.sev, tc.words, fs)
			}
			if findingOf(fs, "work", LoginFailed) != nil {
				t.Errorf("an SMTP failure was reported as an IMAP one")
			}
		})
	}
	// A check of an endpoint since removed is not reported.
	v := cleanVault()
	v.Accounts[0].LastCheck.SMTP = &vault.Check{At: daysAgo(1), Status: "auth_failed"}
	if fs, _ := Run(v, Options{Now: now}); len(fs) != 0 {
		t.Errorf("finding for an account without SMTP: %+v", fs)
	}
}
