package vault

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const pw = "Zq9-secret,Xy7781"
	tests := []struct{ in, want string }{
		{"no password here", "no password here"},
		{"whole " + pw + " end", "whole [redacted] end"},
		{`bad changed date "Xy7781"`, `bad changed date "[redacted]"`},
		{"piece Zq9- and ret,X", "piece [redacted] and [redacted]"},
		{"three Zq9 only", "three Zq9 only"},
		{"twice Zq9-secretZq9-secret", "twice [redacted]"},
		{"ünï " + "ünïcödé" + " x", "ünï [redacted] x"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in, pw, "ünïcödé", "", "x"); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Every piece of 4+ characters of the secret disappears.
	for i := 0; i < len(pw); i++ {
		for j := i + MinSecretPiece; j <= len(pw); j++ {
			out := Redact("<"+pw[i:j]+">", pw)
			if strings.Contains(out, pw[i:i+MinSecretPiece]) {
				t.Fatalf("piece %q survived: %q", pw[i:j], out)
			}
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, pw := range []string{"a\nb", "a\rb", "a\x00b", "\n"} {
		if err := CheckPassword(pw); err != ErrBadPassword {
			t.Errorf("CheckPassword(%q) = %v, want ErrBadPassword", pw, err)
		}
	}
	for _, pw := range []string{"plain", "with space", "ünï\tcode"} {
		if err := CheckPassword(pw); err != nil {
			t.Errorf("CheckPassword(%q) = %v", pw, err)
		}
	}
}

// An error report redacts against every secret of a big vault.
func BenchmarkRedactBigVault(b *testing.B) {
	secrets := make([]string, 6000) // 1000 accounts, 5 retired passwords each
	for i := range secrets {
		secrets[i] = NewID() + "-" + NewID()[:6]
	}
	msg := `account "work": the new password did not log in after 4 attempt(s): auth_failed: [AUTHENTICATIONFAILED] Authentication failed.`
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Redact(msg, secrets...)
	}
}
