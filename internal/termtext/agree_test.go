package termtext_test

import (
	"testing"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

// vault may not import termtext, so it has its own printable check for
// names; both must agree on what is safe to show.
func TestVaultNamesAgreeWithSafe(t *testing.T) {
	for _, s := range []string{"work", "ünïcode name", "tab\there", "nl\nx", "esc\x1b[2J", "c1\u0085", "c1\u009b",
		"bidi\u202e", "lrm\u200e", "isolate\u2066", "del\x7f", "bad\xff", "nul\x00", "emoji 📬", "zwj\u200d", "a\u061cb"} {
		a := &vault.Account{Name: s, Host: "h", Username: "u"}
		valid := vault.Validate(a) == nil
		if valid != termtext.Safe(s) {
			t.Errorf("%q: vault accepts %v, termtext.Safe %v", s, valid, termtext.Safe(s))
		}
	}
}
