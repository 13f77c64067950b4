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

// Long passwords are scored whole, in bounded time: repeats collapsed,
// then windows. Cutting at 32 characters used to hide the repeat in the
// first three (zxcvbn scores each 1 whole, our audit said 4, 3, 3).
func TestLongWeakPasswordsAreWeak(t *testing.T) {
	var random strings.Builder
	for i := uint64(0); random.Len() < 10000; i++ {
		random.WriteString(strongPw(i))
	}
	tests := []struct {
		name, pw string
		weak     bool
	}{
		{"welcome repeated", "Welcome1!Welcome1!Welcome1!Welcome1!", true},
		{"iloveyou repeated", "iloveyou2iloveyou2iloveyou2iloveyou2", true},
		{"sunshine repeated", "sunshine1sunshine1sunshine1sunshine1", true},
		{"10,000 characters of one word", strings.Repeat("password", 1250), true},
		{"10,000 random characters", random.String(), false},
		{"long passphrase", "correct horse battery staple and more words", false},
		{"two random halves", strongPw(3) + strongPw(4), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := vault.New()
			v.Accounts = []*vault.Account{{ID: "l", Name: "long", Host: "h.example", Username: "u", Password: tt.pw, Changed: now}}
			fs, err := Run(v, Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			f := findingOf(fs, "long", Weak)
			if (f != nil) != tt.weak {
				t.Fatalf("weak finding = %v, want %v (score %d)", f != nil, tt.weak, score(tt.pw, nil))
			}
			if f != nil && f.Kind != Weak {
				t.Errorf("kind %s", f.Kind)
			}
		})
	}
}

func TestScoredPartsAreBounded(t *testing.T) {
	for _, pw := range []string{strings.Repeat("ab", 100000), strings.Repeat("é", 10000), strongPw(9) + strongPw(10) + strongPw(11)} {
		parts := scoredParts(pw)
		if len(parts) > maxWindowed/(maxScored/2) {
			t.Errorf("%d parts for %d characters", len(parts), utf8.RuneCountInString(pw))
		}
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > maxScored {
				t.Errorf("part of %d characters", n)
			}
		}
	}
	if got := string(collapseRepeats([]rune("xyWelcome1!Welcome1!Welcome1!zz"))); got != "xyWelcome1!Welcome1!zz" {
		t.Errorf("collapse = %q", got)
	}
}
