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

// TestRedactKeepsOrdinaryWords: short secrets hide only a whole word (a
// 2-character password "ex" used to turn imap.example.com into
// imap.[redacted]ample.com), and a piece of a secret that is also the
// username, host or account name stays readable.
func TestRedactKeepsOrdinaryWords(t *testing.T) {
	for _, tt := range []struct {
		in, secret string
		keep       []string
		want       string
	}{
		{"imap.example.com refused", "ex", nil, "imap.example.com refused"},
		{"imap.example.com refused", "x", nil, "imap.example.com refused"},
		{"password ex was refused", "ex", nil, "password [redacted] was refused"},
		{"login (ab1) refused", "ab1", nil, "login ([redacted]) refused"},
		{"login alice failed", "alice2026!", []string{"alice"}, "login alice failed"},
		{"LOGIN ALICE failed", "alice2026!", []string{"alice"}, "LOGIN ALICE failed"},
		{"said alice2026!", "alice2026!", []string{"alice"}, "said al[redacted]"},
		{"host mail.corp.example", "corp1234", []string{"mail.corp.example"}, "host mail.corp.example"},
		{"echo corp1234", "corp1234", []string{"mail.corp.example"}, "echo c[redacted]"},
	} {
		if got := RedactKeeping(tt.in, tt.keep, tt.secret); got != tt.want {
			t.Errorf("RedactKeeping(%q, %q, %q) = %q, want %q", tt.in, tt.keep, tt.secret, got, tt.want)
		}
	}
	a := &Account{Name: "work", Username: "bob", Host: "imap.x.org", Address: "bob@x.org",
		SMTP: &Endpoint{Host: "smtp.x.org", Username: "bob-send"}}
	if got := strings.Join(a.Public(), " "); got != "work bob imap.x.org bob@x.org smtp.x.org bob-send" {
		t.Errorf("Public = %q", got)
	}
}
