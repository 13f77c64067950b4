package audit

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/internal/zxcvbn/match"
	"github.com/imapvault/imapvault/internal/zxcvbn/matching"
	"github.com/imapvault/imapvault/vault"
)

// inputCases are accounts of the realistic mix and passwords made from an
// account's own words: plain, upper-cased, l33t, reversed, inside others.
func inputCases() []*vault.Account {
	accs := testvault.Realistic(240, now).Accounts
	made := []string{"Box00007!x", "BOX00007", "b0x00007-qq", "70000xob", "zz-user00007-zz", "Imap7.Example.Com",
		"3x4mpl3-2024", "elpmaxe", "c0m-pass", "moc.7pami", "exAmple!", "us3r00007@", "Welcome2026!"}
	for i, pw := range made {
		accs = append(accs, &vault.Account{ID: fmt.Sprint("made", i), Name: "box00007", Host: "imap7.example.com",
			Username: "user00007@example.com", Password: pw})
	}
	return accs
}

// zxcvbn finds the same matches with the relevant inputs as with all of
// them: every word it matches was kept, at its rank, so the score is the
// same.
func TestRelevantInputsKeepEveryMatch(t *testing.T) {
	matched := 0
	for _, a := range inputCases() {
		parts, inputs := scoredParts(a.Password), userInputs(a)
		kept := relevantInputs(parts, inputs)
		for _, p := range parts {
			all, some := matchKeys(matching.Omnimatch(p, inputs)), matchKeys(matching.Omnimatch(p, kept))
			if !slices.Equal(all, some) {
				t.Fatalf("%q: matches with inputs %q:\n%q\nwith %q:\n%q", p, inputs, all, kept, some)
			}
			for _, k := range all {
				if strings.Contains(k, "user_inputs") {
					matched++
				}
			}
		}
	}
	if matched < 10 {
		t.Fatalf("only %d user-input matches: the cases test nothing", matched)
	}
}

// matchKeys are zxcvbn's matches in an order of their own: zxcvbn's order
// of matches over the same characters follows map iteration.
func matchKeys(ms []*match.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%d-%d %s %s %q rank %d l33t %v reversed %v", m.I, m.J, m.Pattern, m.DictionaryName, m.Token, m.Rank, m.L33t, m.Reversed))
	}
	slices.Sort(out)
	return out
}

// Accounts on one password with unrelated words share one zxcvbn run, and
// get the score each would get alone.
func TestSharedPasswordScoredOnce(t *testing.T) {
	v := testvault.Shared(300, "Welcome2026!", now)
	v.Accounts[7].Password = "user00007Welcome2026!" // its own word inside: scored with it
	var calls atomic.Int64                           // Score runs zxcvbn on every core
	saved := zxcvbnScore
	zxcvbnScore = func(pw string, inputs []string) int {
		calls.Add(1)
		return saved(pw, inputs)
	}
	defer func() { zxcvbnScore = saved }()
	if n := Score(v, nil); n != 300 {
		t.Fatalf("Score stored %d scores, want 300", n)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("zxcvbn ran %d times for one shared password and one other, want 2", n)
	}
	zxcvbnScore = saved
	for _, a := range v.Accounts {
		if want := score(a.Password, userInputs(a)); a.Strength.Score != want {
			t.Fatalf("%s: stored score %d, alone %d", a.Name, a.Strength.Score, want)
		}
	}
	fs, err := Run(testvault.Shared(300, "Welcome2026!", now), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	weak := 0
	for _, f := range fs {
		if f.Kind == Weak && strings.Contains(f.Message, "strength") {
			weak++
		}
	}
	if weak != 300 {
		t.Fatalf("%d weak findings for 300 accounts on Welcome2026!, want 300", weak)
	}
}
