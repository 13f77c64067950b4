package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/vault"
)

func TestDetailShowsPosture(t *testing.T) {
	accts := testAccounts()
	alice := accts[0]
	alice.LastCheck.Posture = &vault.Posture{At: t0.Add(-3600e9), Findings: []vault.PostureFinding{
		{Kind: "starttls_injection", Severity: "high", Endpoint: "smtp smtp.example.com:587",
			Message: "smtp smtp.example.com:587 answers inside TLS a command sent in the clear together with STARTTLS"},
		{Kind: "old_tls", Severity: "medium", Endpoint: "imap imap.example.com:993",
			Message: "imap imap.example.com:993 completes a handshake at TLS 1.0"},
	}}
	fx := newFixture(t, false, accts)
	d := unlocked(t, fx)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 80})
	d.selectName("alice-work")
	d.keys("enter")
	d.wantScreen("posture", "probed 2026-11-25 11:00: 2 found (under Findings)",
		"high     starttls_injection", "smtp smtp.example.com:587 answers inside TLS",
		"medium   old_tls", "completes a handshake at TLS 1.0")
}
