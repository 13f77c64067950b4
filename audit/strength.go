package audit

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"

	"github.com/imapvault/imapvault/vault"
)

const (
	// minLength: anything shorter is weak whatever zxcvbn says.
	minLength = 12
	// maxScored caps what zxcvbn sees. DESIGN.md says 256, but measured
	// here zxcvbn took 13 s on 256 random characters (its l33t matcher
	// re-runs every dictionary over every substring for each substitution
	// set), 160 ms on 40 and at most 23 ms on 32. 32 random characters are
	// already far beyond any guessing attack; a password whose first 32
	// characters are weak is reported weak.
	maxScored = 32
	// weakScore and below (zxcvbn's 0..4 scale) is weak.
	weakScore = 2
	// shortcutMin passwords to score make surelyStrong worth its set-up.
	shortcutMin = 24
)

// scoredInput is the part of a password zxcvbn scores: the first
// maxScored characters.
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

// score is zxcvbn's 0..4 score of the capped password.
func score(pw string, inputs []string) int {
	return zxcvbn.PasswordStrength(scoredInput(pw), inputs).Score
}

type scoreJob struct {
	pw     string
	inputs []string
	score  int
}

// weakFindings scores each distinct (password, user inputs) pair once,
// spread over GOMAXPROCS workers, because zxcvbn costs milliseconds per
// password.
func weakFindings(v *vault.Vault, cache *StrengthCache) []Finding {
	jobs := map[string]*scoreJob{}
	perAccount := make([]*scoreJob, len(v.Accounts))
	var list []*scoreJob
	for i, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() { // a token has no strength
			continue
		}
		in := userInputs(a)
		key := a.Password + "\x00" + strings.Join(in, "\x00")
		j := jobs[key]
		if j == nil {
			j = &scoreJob{pw: a.Password, inputs: in}
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
			Message: fmt.Sprintf("password is weak (strength %d of 4, %d characters)%s: replace it with a generated one using %s",
				j.score, n, pendingNote(a), rotateCmd(a))})
	}
	return out
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

// scoreOne tries the cheap proof first, then the cache, then zxcvbn.
func scoreOne(j *scoreJob, quick bool, cache *StrengthCache) int {
	if quick && surelyStrong(scoredInput(j.pw), j.inputs) {
		return weakScore + 1 // at least this; zxcvbn would say 3 or 4
	}
	if cache == nil {
		return score(j.pw, j.inputs)
	}
	id := cache.id(j.pw, j.inputs)
	if s, ok := cache.get(id); ok {
		return s
	}
	s := score(j.pw, j.inputs)
	cache.put(id, s)
	return s
}
