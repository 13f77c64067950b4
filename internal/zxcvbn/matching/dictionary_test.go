package matching

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/zxcvbn/match"
)

// upstreamMatches is dictionaryMatch.Matches as upstream wrote it: every
// dictionary in turn, every substring lower-cased on its own.
func upstreamMatches(dm dictionaryMatch, password string) []*match.Match {
	var results []*match.Match
	for dictionaryName, rankedDict := range dm.rankedDictionaries {
		for i := range password {
			for delta := range password[i:] {
				j := i + delta
				word := strings.ToLower(password[i : j+1])
				if val, ok := rankedDict[word]; ok {
					results = append(results, &match.Match{Pattern: "dictionary", I: i, J: j, Token: password[i : j+1],
						MatchedWord: word, Rank: val, DictionaryName: dictionaryName})
				}
			}
		}
	}
	return results
}

func keys(ms []*match.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%d-%d %q %q %d %s %s", m.I, m.J, m.Token, m.MatchedWord, m.Rank, m.DictionaryName, m.Pattern))
	}
	slices.Sort(out)
	return out
}

// The merged dictionaries find exactly upstream's matches, user inputs
// and non-ASCII passwords included, reversed too (the l33t matcher looks
// its translations up through the same Matches).
func TestMergedDictionariesMatchAsUpstream(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"pass", "word", "Dragon", "monkey", "1987", "P@ss", "w0rd", "ÄBC", "straße", "\u212aey", "qwerty", "!", "x", "alice", "Smith", "ıi", "İ"}
	inputs := []string{"alice", "smith", "example", "straße"}
	dm := defaultRankedDictionnaries().withDict("user_inputs", buildRankedDict(inputs))
	for range 2000 {
		var b strings.Builder
		for range 1 + r.IntN(5) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		pw := b.String()
		for _, m := range []match.Matcher{dm, reverseDictionnaryMatch{dm: dm}} {
			var want []*match.Match
			switch x := m.(type) {
			case dictionaryMatch:
				want = upstreamMatches(x, pw)
			case reverseDictionnaryMatch:
				want = upstreamMatches(x.dm, reverse(pw))
				for _, w := range want {
					w.Token = reverse(w.Token)
					w.I, w.J = len(pw)-1-w.J, len(pw)-1-w.I
				}
			}
			got := m.Matches(pw)
			for _, g := range got {
				g.Reversed = false
			}
			if g, w := keys(got), keys(want); !slices.Equal(g, w) {
				t.Fatalf("%q: %T found\n%q\nupstream\n%q", pw, m, g, w)
			}
		}
	}
}
