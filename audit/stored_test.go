package audit

import (
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/vault"
)

// countZxcvbn counts calls of zxcvbn until the test ends.
func countZxcvbn(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	orig := zxcvbnScore
	zxcvbnScore = func(pw string, in []string) int { n.Add(1); return orig(pw, in) }
	t.Cleanup(func() { zxcvbnScore = orig })
	return &n
}

func TestStoredScoreIsReused(t *testing.T) {
	v := testvault.Realistic(60, now)
	calls := countZxcvbn(t)
	if n := Score(v, nil); n != 60 {
		t.Fatalf("first Score stored %d, want 60", n)
	}
	if calls.Load() == 0 {
		t.Fatal("zxcvbn never called on a cold vault: the counter proves nothing")
	}
	if v.StrengthKey == "" {
		t.Fatal("no strength key")
	}
	calls.Store(0)
	if n := Score(v, nil); n != 0 {
		t.Errorf("second Score stored %d, want 0", n)
	}
	if _, err := Run(v, Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	if c := calls.Load(); c != 0 {
		t.Errorf("warm audit called zxcvbn %d times, want 0", c)
	}
}

func TestStoredScoreInvalidated(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(v *vault.Vault)
	}{
		{"password change", func(v *vault.Vault) { v.Accounts[0].Password = "Summer2024!" }},
		{"username edit", func(v *vault.Vault) { v.Accounts[0].Username = "someone.else@example.com" }},
		{"host edit", func(v *vault.Vault) { v.Accounts[0].Host = "mail.other.example" }},
		{"rename", func(v *vault.Vault) { v.Accounts[0].Name = "renamed-box" }},
		// Length prefixes: moving text from one field to the next is a change.
		{"text moved between fields", func(v *vault.Vault) {
			a := v.Accounts[0]
			n := len(a.Username) - 1
			a.Username, a.Host = a.Username[:n], a.Username[n:]+a.Host
		}},
		{"merge brings their new password", func(v *vault.Vault) {
			base := v.Clone()
			theirs := v.Clone()
			theirs.Accounts[0].Password = "dragon1987!"
			theirs.Accounts[0].Strength = nil
			merged, _ := vault.Merge(base, v, theirs)
			*v = *merged
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := testvault.Realistic(9, now)
			Score(v, nil)
			tc.change(v)
			calls := countZxcvbn(t)
			if n := Score(v, nil); n != 1 {
				t.Fatalf("Score after %s recomputed %d scores, want 1", tc.name, n)
			}
			if calls.Load() == 0 && v.Accounts[0].Strength.Score <= weakScore {
				t.Error("a weak password was rescored without zxcvbn")
			}
			if _, ok := fingerprinterFor(v).stored(v.Accounts[0]); !ok {
				t.Error("the new score does not fit")
			}
		})
	}
}

// The audit says the same with and without stored scores, on the
// realistic mix (10,000 accounts; 1,500 with -short or -race).
func TestStoredScoresChangeNoFinding(t *testing.T) {
	n := 10_000
	if testing.Short() || raceEnabled {
		n = 1_500
	}
	warm := testvault.Realistic(n, now)
	Score(warm, nil)
	cold := testvault.Realistic(n, now)
	cold.StrengthKey = warm.StrengthKey // the same reuse group ids, no stored score
	want, err := Run(cold, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Run(warm, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("findings differ with stored scores: %d vs %d", len(got), len(want))
	}
	weak := 0
	for _, f := range want {
		if f.Kind == Weak {
			weak++
		}
	}
	if weak < n/20 {
		t.Fatalf("only %d weak findings in the realistic mix: it is not realistic", weak)
	}
}

func TestCopyScores(t *testing.T) {
	src := testvault.Realistic(5, now)
	dst := src.Clone()
	Score(src, nil)
	CopyScores(dst, src)
	if dst.StrengthKey != src.StrengthKey || Score(dst, nil) != 0 {
		t.Fatal("copied scores do not fit")
	}
}

// A snapshot being saved shares its account structs with the live vault;
// CopyScores must replace what it changes, never write into it.
func TestCopyScoresLeavesSharedAccountsAlone(t *testing.T) {
	src := testvault.Realistic(5, now)
	dst := src.Clone()
	Score(src, nil)
	shared := slices.Clone(dst.Accounts)
	CopyScores(dst, src)
	for i, a := range shared {
		if a.Strength != nil {
			t.Errorf("account %d was changed in place", i)
		}
		if dst.Accounts[i] == a {
			t.Errorf("account %d was not replaced by a copy", i)
		}
	}
	if Score(dst, nil) != 0 {
		t.Fatal("copied scores do not fit")
	}
}
