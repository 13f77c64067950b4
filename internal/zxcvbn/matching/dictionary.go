package matching

import (
	"sort"
	"strings"

	"github.com/imapvault/imapvault/internal/zxcvbn/match"
)

// dictionaryMatch looks every substring of a password up in the ranked
// dictionaries. Changed from upstream for speed, with the same matches:
// the default dictionaries are merged into one map (word -> its rank in
// each), so a substring costs one lookup there plus one per added
// dictionary (user_inputs) instead of one per dictionary, and an ASCII
// password is lower-cased once, not once per substring.
type dictionaryMatch struct {
	rankedDictionaries map[string]rankedDictionnary
	merged             map[string][]dictRank // the dictionaries in mergedNames
	mergedNames        map[string]bool
	extra              []namedDict // the others, by name
}

type dictRank struct {
	name string
	rank int
}

type namedDict struct {
	name string
	dict rankedDictionnary
}

func (dm dictionaryMatch) Matches(password string) []*match.Match {
	var results []*match.Match
	lower, ascii := asciiLower(password)
	add := func(i, j int, word, name string, rank int) {
		results = append(results, &match.Match{
			Pattern:        "dictionary",
			I:              i,
			J:              j,
			Token:          password[i : j+1],
			MatchedWord:    word,
			Rank:           rank,
			DictionaryName: name,
		})
	}
	for i := range password {
		for delta := range password[i:] {
			j := i + delta
			var word string
			if ascii {
				word = lower[i : j+1]
			} else {
				word = strings.ToLower(password[i : j+1])
			}
			for _, dr := range dm.merged[word] {
				add(i, j, word, dr.name, dr.rank)
			}
			for _, d := range dm.extra {
				if rank, ok := d.dict[word]; ok {
					add(i, j, word, d.name, rank)
				}
			}
		}
	}

	match.Sort(results)
	return results
}

// asciiLower is s lower-cased when s is ASCII (then a substring's lower
// case is the lower-cased string's substring).
func asciiLower(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", false
		}
	}
	return strings.ToLower(s), true
}

func (dm dictionaryMatch) withDict(name string, d rankedDictionnary) dictionaryMatch {
	rd2 := make(map[string]rankedDictionnary, len(dm.rankedDictionaries)+1)
	for k, v := range dm.rankedDictionaries {
		rd2[k] = v
	}
	rd2[name] = d
	if dm.mergedNames[name] {
		return newDictionaryMatch(rd2, nil) // replaces a merged one: merge nothing
	}
	out := dm
	out.rankedDictionaries = rd2
	out.extra = append(append([]namedDict(nil), dm.extra...), namedDict{name, d})
	sort.Slice(out.extra, func(i, j int) bool { return out.extra[i].name < out.extra[j].name })
	return out
}

// newDictionaryMatch merges the dictionaries named in merge; the others
// are looked up one by one.
func newDictionaryMatch(rd map[string]rankedDictionnary, merge map[string]bool) dictionaryMatch {
	dm := dictionaryMatch{rankedDictionaries: rd, merged: map[string][]dictRank{}, mergedNames: merge}
	names := make([]string, 0, len(rd))
	for n := range rd {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !merge[n] {
			dm.extra = append(dm.extra, namedDict{n, rd[n]})
			continue
		}
		for w, r := range rd[n] {
			dm.merged[w] = append(dm.merged[w], dictRank{n, r})
		}
	}
	return dm
}

type rankedDictionnary map[string]int

func buildRankedDict(unrankedList []string) rankedDictionnary {
	result := make(rankedDictionnary)

	for i, v := range unrankedList {
		result[strings.ToLower(v)] = i + 1
	}

	return result
}
