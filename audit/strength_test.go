package audit

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imapvault/imapvault/vault"
)

// A password built from the username must score lower once zxcvbn knows
// the username and host, and be reported weak only then.
func TestStrengthUsesUserInputs(t *testing.T) {
	const pw = "Jsmithers2024!"
	tests := []struct {
		name     string
		username string
		host     string
		wantWeak bool
	}{
		{"derived from the username", "jsmithers@example.com", "imap.example.com", true},
		{"derived from the host", "mail", "imap.jsmithers.net", true},
		{"unrelated account", "alice@example.com", "imap.example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &vault.Account{ID: "x", Name: "acct", Host: tt.host, Username: tt.username, Password: pw, Changed: now}
			in := userInputs(a)
			with, without := score(pw, in), score(pw, nil)
			if tt.wantWeak && with >= without {
				t.Errorf("score with user inputs %v = %d, want below %d without", in, with, without)
			}
			v := vault.New()
			v.Accounts = []*vault.Account{a}
			fs, err := Run(v, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if got := findingOf(fs, "acct", Weak) != nil; got != tt.wantWeak {
				t.Errorf("weak = %v, want %v (findings %+v)", got, tt.wantWeak, fs)
			}
		})
	}
}

// The brief's example: "<username>2024!!" loses strength once zxcvbn
// knows the username (4 -> 3 here: lower, though not yet weak).
func TestUsernameSuffixScoresLower(t *testing.T) {
	a := &vault.Account{Name: "work", Host: "imap.example.com", Username: "jsmithers@example.com"}
	const pw = "jsmithers2024!!"
	if with, without := score(pw, userInputs(a)), score(pw, nil); with >= without {
		t.Fatalf("score with the username = %d, without = %d; want lower with it", with, without)
	}
}

func TestUserInputsSplitsUsernameAndHost(t *testing.T) {
	a := &vault.Account{Name: "Work Mail", Host: "imap.corp.example", Username: "j.smith+imap@corp.example"}
	got := strings.Join(userInputs(a), ",")
	for _, w := range []string{"j.smith+imap@corp.example", "smith", "imap.corp.example", "corp", "work mail", "work", "mail"} {
		if !strings.Contains(","+got+",", ","+w+",") {
			t.Errorf("user inputs %s lack %q", got, w)
		}
	}
}

func TestScoredInputIsCapped(t *testing.T) {
	long := strings.Repeat("é", 5000) + strings.Repeat("x", 5000) // 10,000 characters
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"short", 5},
		{strings.Repeat("a", maxScored), maxScored},
		{strings.Repeat("a", maxScored+1), maxScored},
		{long, maxScored},
	}
	for _, tt := range tests {
		got := scoredInput(tt.in)
		if n := utf8.RuneCountInString(got); n != tt.want || !strings.HasPrefix(tt.in, got) {
			t.Errorf("scoredInput(%d chars) = %d chars, want a prefix of %d", utf8.RuneCountInString(tt.in), n, tt.want)
		}
	}
}

// Only the start of a long password is scored: a weak start followed by
// 10,000 random characters is still reported weak, which it would not be
// if zxcvbn saw it all (and then it would take minutes, not milliseconds).
func TestLongPasswordScoresItsStart(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.Repeat("password", maxScored/8))
	for i := uint64(0); b.Len() < 10000; i++ {
		b.WriteString(strongPw(i))
	}
	v := vault.New()
	v.Accounts = []*vault.Account{{ID: "l", Name: "long", Host: "h.example", Username: "u", Password: b.String(), Changed: now}}
	fs, err := Run(v, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	f := findingOf(fs, "long", Weak)
	if f == nil {
		t.Fatalf("want a weak finding for a password starting with %d weak characters", maxScored)
	}
	if !strings.Contains(f.Message, "strength 0 of 4, ") {
		t.Errorf("message %q", f.Message)
	}
	// The strong tail alone is strong: the verdict came from the start.
	if s := score(b.String()[maxScored:], nil); s < 3 {
		t.Fatalf("tail scores %d, the test proves nothing", s)
	}
}
