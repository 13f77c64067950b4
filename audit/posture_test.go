package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

func TestPostureFindings(t *testing.T) {
	v := cleanVault()
	work := v.Find("work")
	work.LastCheck = okCheck()
	work.LastCheck.Posture = &vault.Posture{At: daysAgo(1), Findings: []vault.PostureFinding{
		{Kind: "old_tls", Severity: "medium", Endpoint: "imap mail.example.org:993", Message: "imap mail.example.org:993 completes a handshake at TLS 1.0"},
		{Kind: "starttls_injection", Severity: "high", Endpoint: "smtp mail.example.org:587", Message: "smtp mail.example.org:587 answers inside TLS"},
		{Kind: "cert_key", Severity: "\x1b[31mred", Endpoint: "imap mail.example.org:993", Message: "a 1024-bit RSA key"},
		{Kind: "from_a_later_build", Severity: "low", Endpoint: "imap x:1", Message: "unknown"},
	}}
	fs, err := Run(v, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got := map[Kind]Finding{}
	for _, f := range fs {
		got[f.Kind] = f
	}
	if len(fs) != 3 {
		t.Fatalf("want old_tls, starttls_injection and cert_key, got %+v", fs)
	}
	if f := got[StartTLSInjection]; f.Severity != High || f.Account != "work" || !strings.Contains(f.Message, "587") {
		t.Errorf("starttls_injection: %+v", f)
	}
	if f := got[OldTLS]; f.Severity != Medium || !strings.Contains(f.Message, "TLS 1.0") {
		t.Errorf("old_tls: %+v", f)
	}
	if f := got[CertKey]; f.Severity != Medium {
		t.Errorf("an unknown stored severity reads as medium: %+v", f)
	}
	if fs[0].Kind != StartTLSInjection {
		t.Errorf("worst first: %+v", fs[0])
	}

	// The kinds can be accepted like any other, and audit --json carries them.
	if _, err := ParseKind("starttls_injection"); err != nil {
		t.Fatal(err)
	}
	work.Accepted = []vault.Acceptance{{Kind: "old_tls", At: daysAgo(1)}}
	fs, _ = Run(v, Options{Now: now})
	var b bytes.Buffer
	if err := WriteJSON(&b, fs); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []struct{ Account, Kind, Severity, Message string }
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range doc.Findings {
		kinds[f.Kind] = true
	}
	if !kinds["starttls_injection"] || !kinds["cert_key"] || kinds["old_tls"] {
		t.Errorf("audit --json after accepting old_tls: %s", b.String())
	}
}
