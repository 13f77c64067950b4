package audit

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/imapvault/imapvault/internal/zxcvbn"

	"github.com/imapvault/imapvault/vault"
)

const (
	// minLength: anything shorter is weak whatever zxcvbn says.
	minLength = 12
	// maxScored caps what zxcvbn sees at once: measured here zxcvbn took
	// 13 s on 256 random characters (its l33t matcher re-runs every
	// dictionary over every substring for each substitution set), 160 ms
	// on 40 and at most 23 ms on 32. A longer password is scored as
	// windows of maxScored characters (see scoredParts), the weakest
	// window deciding.
	maxScored = 32
	// maxWindowed: characters of a long password (after collapsing
	// repeats) that windows cover, as DESIGN.md's 256-character cap says.
	maxWindowed = 256
	// maxCollapsed: characters looked at for repeats before windowing.
	maxCollapsed = 4096
	// weakScore and below (zxcvbn's 0..4 scale) is weak.
	weakScore = 2
	// shortcutMin passwords to score make surelyStrong worth its set-up.
	shortcutMin = 24
)

// scoredParts are the pieces of pw that zxcvbn scores; the password's
// score is the lowest of theirs. A password of up to maxScored characters
// is scored whole. A longer one first has its long repeats collapsed to two
// copies ("Welcome1!" x4 -> "Welcome1!Welcome1!"), because cutting a
// repeat at the cap hides it from zxcvbn's repeat matcher (the cut
// "Welcome1!Welcome1!Welcome1!Welco" scores 4, the whole password 1),
// then is covered by overlapping windows of maxScored characters at half
// that stride, over its first maxWindowed characters: bounded time, and a
// weak stretch anywhere in it is seen.
func scoredParts(pw string) []string {
	r := []rune(pw)
	if len(r) <= maxScored {
		return []string{pw}
	}
	if len(r) > maxCollapsed {
		r = r[:maxCollapsed]
	}
	r = collapseRepeats(r)
	if len(r) > maxWindowed {
		r = r[:maxWindowed]
	}
	if len(r) <= maxScored {
		return []string{string(r)}
	}
	var parts []string
	for start := 0; ; start += maxScored / 2 {
		end := min(start+maxScored, len(r))
		parts = append(parts, string(r[start:end]))
		if end == len(r) {
			return parts
		}
	}
}

// collapseRepeats shortens every run of three or more copies of a unit (of
// up to maxScored/2 characters) to two copies, which zxcvbn still scores as
// a repeat.
func collapseRepeats(r []rune) []rune {
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); {
		bestUnit, bestReps := 0, 0
		for unit := 1; unit <= maxScored/2 && i+3*unit <= len(r); unit++ {
			reps := 1
			for j := i + unit; j+unit <= len(r) && equalRunes(r[i:i+unit], r[j:j+unit]); j += unit {
				reps++
			}
			if reps >= 3 && unit*reps > bestUnit*bestReps {
				bestUnit, bestReps = unit, reps
			}
		}
		if bestReps == 0 {
			out = append(out, r[i])
			i++
			continue
		}
		out = append(out, r[i:i+2*bestUnit]...)
		i += bestUnit * bestReps
	}
	return out
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// scoredInput is the first maxScored characters of pw.
func scoredInput(pw string) string {
	n := 0
	for i := range pw {
		if n == maxScored {
			return pw[:i]
		}
		n++
	}
	return pw
}

// userInputs are the words zxcvbn treats as known to an attacker: the
// account's name, username and host, and their parts, so that
// "alice2024!!" scores low for the user alice.
func userInputs(a *vault.Account) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if len(s) < 3 || seen[s] {
			return
		}
		seen[s] = true
		out = append(out, s)
	}
	for _, s := range []string{a.Username, a.Host, a.Name} {
		add(s)
		for _, part := range strings.FieldsFunc(s, func(r rune) bool {
			return strings.ContainsRune("@.+-_ ", r)
		}) {
			add(part)
		}
	}
	return out
}

// zxcvbnScore is zxcvbn itself, a variable so tests can count calls.
var zxcvbnScore = func(pw string, inputs []string) int {
	return zxcvbn.PasswordStrength(pw, inputs).Score
}

// score is the lowest zxcvbn score (0..4) of pw's scored parts.
func score(pw string, inputs []string) int {
	return scoreParts(scoredParts(pw), inputs, false)
}

// scoreParts scores each part, trying the cheap proof of strength first
// when quick.
func scoreParts(parts []string, inputs []string, quick bool) int {
	best := 4
	for _, p := range parts {
		if quick && surelyStrong(p, inputs) {
			best = min(best, weakScore+1) // at least this; zxcvbn would say 3 or 4
			continue
		}
		best = min(best, zxcvbnScore(p, inputs))
		if best == 0 {
			break
		}
	}
	return best
}

type scoreJob struct {
	pw     string
	parts  []string
	inputs []string // nil when they cannot change the score (inputsMatter)
	score  int
}

// weakFindings scores each distinct password once (with the account's
// user inputs only where they can change the score), spread over
// GOMAXPROCS workers, because zxcvbn costs milliseconds per password.
func weakFindings(v *vault.Vault, cache *StrengthCache) []Finding {
	jobs := map[string]*scoreJob{}
	perAccount := make([]*scoreJob, len(v.Accounts))
	kept := make([]scoreJob, len(v.Accounts)) // stored scores: one allocation, not one each
	var list []*scoreJob
	fp := fingerprinterFor(v)
	for i, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() { // a token has no strength
			continue
		}
		if s, ok := fp.stored(a); ok {
			kept[i].score = s
			perAccount[i] = &kept[i]
			continue
		}
		key, parts, in := scoreInput(a)
		j := jobs[key]
		if j == nil {
			j = &scoreJob{pw: a.Password, parts: parts, inputs: in}
			jobs[key] = j
			list = append(list, j)
		}
		perAccount[i] = j
	}
	scoreAll(list, cache)

	var out []Finding
	for i, a := range v.Accounts {
		j := perAccount[i]
		if j == nil {
			continue
		}
		n := utf8.RuneCountInString(a.Password)
		if j.score > weakScore && n >= minLength {
			continue
		}
		sev := Medium
		if j.score <= 1 || n < 8 {
			sev = High
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: Weak, Severity: sev,
			Message: fmt.Sprintf("password is weak (%s)%s: replace it with a generated one using %s",
				weakReason(j.score, n), pendingNote(a), rotateCmd(a))})
	}
	return out
}

// weakReason names the rule (or both) that made a password weak, each
// with its bar: "strength 4 of 4, 11 characters" read as strong, when the
// length alone decided.
func weakReason(score, n int) string {
	low, short := score <= weakScore, n < minLength
	switch {
	case low && short:
		return fmt.Sprintf("strength %d of 4, under %d; %d characters, under %d", score, weakScore+1, n, minLength)
	case short:
		return fmt.Sprintf("%d characters, under %d; strength %d of 4", n, minLength, score)
	}
	return fmt.Sprintf("strength %d of 4, under %d; %d characters", score, weakScore+1, n)
}

func scoreAll(list []*scoreJob, cache *StrengthCache) {
	// The shortcut needs a dictionary trie that takes ~75 ms to build once
	// per process; for a few passwords zxcvbn alone is cheaper.
	quick := len(list) >= shortcutMin || trieReady()
	workers := min(runtime.GOMAXPROCS(0), len(list))
	next := make(chan *scoreJob)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.score = scoreOne(j, quick, cache)
			}
		}()
	}
	for _, j := range list {
		next <- j
	}
	close(next)
	wg.Wait()
}

// scoreOne tries the cache, then the cheap proof and zxcvbn.
func scoreOne(j *scoreJob, quick bool, cache *StrengthCache) int {
	if cache == nil {
		return scoreParts(j.parts, j.inputs, quick)
	}
	id := cache.id(j.pw, j.inputs)
	if s, ok := cache.get(id); ok {
		return s
	}
	s := scoreParts(j.parts, j.inputs, quick)
	cache.put(id, s)
	return s
}
