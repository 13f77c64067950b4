package vault

import (
	"errors"
	"fmt"
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
	refused := []struct {
		pw   string
		pos  int
		name string
	}{
		{"a\nb", 2, "line feed"}, {"a\rb", 2, "carriage return"}, {"a\x00b", 2, "NUL"}, {"\n", 1, "line feed"},
		{"Qzx\x1b]52;c;Zm9v\x07", 4, "ESC"}, {"Kwd\x07", 4, "BEL"}, {"ünï\tcode", 4, "tab"},
		{"Dxl\x7f", 4, "DEL"}, {"c1\u009b31m", 3, "CSI"}, {"c1\u0085", 3, "U+0085"},
		{"Rxw\x9bbyte", 4, "a C1 control byte"}, {"\x01", 1, "U+0001"}, {"\x1f", 1, "U+001F"},
	}
	for _, tc := range refused {
		err := CheckPassword(tc.pw)
		var pe *PasswordCharError
		if !errors.Is(err, ErrBadPassword) || !errors.As(err, &pe) || pe.Pos != tc.pos {
			t.Errorf("CheckPassword(%q) = %v, want a PasswordCharError at %d", tc.pw, err, tc.pos)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, fmt.Sprintf("(%s) at character %d", tc.name, tc.pos)) {
			t.Errorf("CheckPassword(%q): %q does not name %s at %d", tc.pw, msg, tc.name, tc.pos)
		}
		if strings.Contains(msg, tc.pw) || (len(tc.pw) > 3 && strings.Contains(msg, tc.pw[:3])) {
			t.Errorf("the error quotes the password: %q", msg)
		}
	}
	for _, pw := range []string{"plain", "with space", "ünïcode", "emoji 🔑", "\u00a0nbsp", "\u00e9\u00ff"} {
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
