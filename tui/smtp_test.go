package tui

import (
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// The list's status column tells a working login whose sending fails
// from a fine account.
func TestStatusWordShowsSMTP(t *testing.T) {
	tests := []struct {
		c          *vault.Check
		icon, word string
	}{
		{&vault.Check{Status: "ok"}, "✓", "ok"},
		{&vault.Check{Status: "ok", SMTP: &vault.Check{Status: "ok"}}, "✓", "ok"},
		{&vault.Check{Status: "ok", SMTP: &vault.Check{Status: "sender_refused"}}, "✗", "smtp sender refused"},
		{&vault.Check{Status: "ok", SMTP: &vault.Check{Status: "timeout"}}, "!", "smtp timeout"},
		{&vault.Check{Status: "auth_failed", SMTP: &vault.Check{Status: "ok"}}, "✗", "auth failed"},
	}
	for _, tc := range tests {
		if icon, word := statusWord(tc.c, false); icon != tc.icon || word != tc.word {
			t.Errorf("%+v: %s %s, want %s %s", tc.c, icon, word, tc.icon, tc.word)
		}
	}
}
