package audit

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/imapvault/imapvault/internal/zxcvbn/adjacency"
	"github.com/imapvault/imapvault/internal/zxcvbn/frequency"
)

// surelyStrong proves, without running zxcvbn, that zxcvbn would score
// pw (already capped) above weakScore; false means "run zxcvbn". zxcvbn
// costs 1-4 ms per generated password, this a few microseconds, which is
// what lets a 10,000-account audit finish in well under a second.
//
// Why it is sound (github.com/trustelem/zxcvbn v1.0.1, scoring.go): the
// guesses of the best cover of the password by l matches are
// l! * product(guesses) + 10000^(l-1), so l >= 3 already gives more than
// 1e8+5, which is score 3. A weak password is therefore one match, or two
// matches whose guesses multiply to under 5e7. A bruteforce match of k
// characters costs 10^k and the other match at least 10, so any bruteforce
// part has at most 6 characters; two bruteforce parts cannot be adjacent.
// So a weak password of n >= 12 characters contains a pattern match (not
// bruteforce) of at least min(n-6, ceil(n/2)) characters. The checks below
// over-approximate each of zxcvbn's matchers (dictionary, reversed, l33t,
// user inputs, spatial, repeat, sequence, date; its one regex matches only
// 4 characters); if none can produce a match that long, the password is not
// weak. Only ASCII passwords take this path, so bytes are characters.
// TestSurelyStrongAgreesWithZxcvbn checks it against zxcvbn itself.
func surelyStrong(pw string, inputs []string) bool {
	n := len(pw)
	if n < minLength {
		return false
	}
	for i := 0; i < n; i++ {
		if pw[i] >= 0x80 {
			return false
		}
	}
	long := min(n-6, (n+1)/2)
	low := strings.ToLower(pw)
	rev := reverseASCII(low)
	return !longDictionaryMatch(low, long) && !longDictionaryMatch(rev, long) &&
		!longInputMatch(low, inputs, long) && !longInputMatch(rev, inputs, long) &&
		!longRun(pw, long, spatialStep) && !longRun(pw, long, dateStep) &&
		!longSequence(pw, long) && !longRepeat(pw, long)
}

func reverseASCII(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// l33tFor lists the letters each l33t symbol may stand for, as zxcvbn's
// l33t table has them (matching/omnimatch.go).
var l33tFor = func() [128][]byte {
	table := map[byte]string{'a': "4@", 'b': "8", 'c': "({[<", 'e': "3", 'g': "69", 'i': "1!|",
		'l': "1|7", 'o': "0", 's': "$5", 't': "+7", 'x': "%", 'z': "2"}
	var out [128][]byte
	for letter, symbols := range table {
		for i := 0; i < len(symbols); i++ {
			out[symbols[i]] = append(out[symbols[i]], letter)
		}
	}
	return out
}()

// choices are the letters a lower-cased character may be read as.
func choices(c byte, buf *[4]byte) []byte {
	out := append(buf[:0], c)
	if c < 128 {
		out = append(out, l33tFor[c]...)
	}
	return out
}

// wordTrie holds every zxcvbn dictionary word of 6 or more characters
// (shorter ones can never make a long enough match).
type wordTrie struct {
	nodes []trieNode
	edges []trieEdge
}

type trieNode struct {
	first, n int32 // the node's edges are edges[first : first+n]
	end      bool
}

type trieEdge struct {
	c  byte
	to int32
}

var (
	trieOnce sync.Once
	words    *wordTrie
)

// trieReady reports whether the trie is already built.
func trieReady() bool { return trieBuilt.Load() }

var trieBuilt atomic.Bool

func dictionaryTrie() *wordTrie {
	trieOnce.Do(func() {
		words = buildDictionaryTrie()
		trieBuilt.Store(true)
	})
	return words
}

func buildDictionaryTrie() *wordTrie {
	var list []string
	for _, l := range frequency.FrequencyLists {
		for _, w := range l {
			if len(w) >= 6 {
				list = append(list, strings.ToLower(w))
			}
		}
	}
	sort.Strings(list)
	t := &wordTrie{}
	t.build(list, 0)
	return t
}

// build adds a node for the sorted words sharing their first depth bytes.
func (t *wordTrie) build(list []string, depth int) int32 {
	id := int32(len(t.nodes))
	t.nodes = append(t.nodes, trieNode{})
	for len(list) > 0 && len(list[0]) == depth {
		t.nodes[id].end = true
		list = list[1:]
	}
	var kids []trieEdge
	for len(list) > 0 {
		c := list[0][depth]
		j := 1
		for j < len(list) && list[j][depth] == c {
			j++
		}
		kids = append(kids, trieEdge{c, t.build(list[:j], depth+1)})
		list = list[j:]
	}
	t.nodes[id].first, t.nodes[id].n = int32(len(t.edges)), int32(len(kids))
	t.edges = append(t.edges, kids...)
	return id
}

func (t *wordTrie) child(node int32, c byte) int32 {
	nd := t.nodes[node]
	for _, e := range t.edges[nd.first : nd.first+nd.n] {
		if e.c == c {
			return e.to
		}
	}
	return -1
}

// longDictionaryMatch: some substring of at least long characters reads
// as a dictionary word, with any l33t symbols read as any of their letters.
func longDictionaryMatch(low string, long int) bool {
	t := dictionaryTrie()
	var walk func(node int32, p, depth int) bool
	walk = func(node int32, p, depth int) bool {
		if depth >= long && t.nodes[node].end {
			return true
		}
		if p == len(low) {
			return false
		}
		var buf [4]byte
		for _, c := range choices(low[p], &buf) {
			if next := t.child(node, c); next >= 0 && walk(next, p+1, depth+1) {
				return true
			}
		}
		return false
	}
	for i := 0; i+long <= len(low); i++ {
		if walk(0, i, 0) {
			return true
		}
	}
	return false
}

// longInputMatch is longDictionaryMatch for the account's own words.
func longInputMatch(low string, inputs []string, long int) bool {
	for _, w := range inputs {
		if len(w) < long {
			continue
		}
		for i := 0; i+len(w) <= len(low); i++ {
			if looseAt(low[i:], w) {
				return true
			}
		}
	}
	return false
}

func looseAt(s, w string) bool {
	var buf [4]byte
	for k := 0; k < len(w); k++ {
		ok := false
		for _, c := range choices(s[k], &buf) {
			if c == w[k] {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// adjacent[a][b]: b is next to a on some keyboard or keypad zxcvbn knows.
var adjacent = func() *[128][128]bool {
	var adj [128][128]bool
	for _, g := range adjacency.Graphs {
		for key, around := range g.Graph {
			if len(key) != 1 || key[0] >= 128 {
				continue
			}
			for _, s := range around {
				for i := 0; i < len(s); i++ {
					if s[i] < 128 {
						adj[key[0]][s[i]] = true
					}
				}
			}
		}
	}
	return &adj
}()

func spatialStep(a, b byte) bool { return a < 128 && b < 128 && adjacent[a][b] }

// dateStep: both characters may sit in a date like 1991-11-11 or 11.11.91.
func dateStep(a, b byte) bool { return dateChar(a) && dateChar(b) }

func dateChar(c byte) bool {
	return c >= '0' && c <= '9' || strings.IndexByte("/\\_.- \t\n\v\f\r", c) >= 0
}

// longRun: a run of at least long characters where every neighbour pair
// satisfies step.
func longRun(s string, long int, step func(a, b byte) bool) bool {
	run := 1
	for i := 1; i < len(s); i++ {
		if step(s[i-1], s[i]) {
			run++
			if run >= long {
				return true
			}
		} else {
			run = 1
		}
	}
	return run >= long
}

// longSequence: a run like "abcdef" or "97531" (a constant step of 1 to 5).
func longSequence(s string, long int) bool {
	run := 1
	for i := 1; i < len(s); i++ {
		d := int(s[i]) - int(s[i-1])
		if d != 0 && d >= -5 && d <= 5 && (run == 1 || d == int(s[i-1])-int(s[i-2])) {
			run++
		} else if d != 0 && d >= -5 && d <= 5 {
			run = 2
		} else {
			run = 1
		}
		if run >= long {
			return true
		}
	}
	return false
}

// longRepeat: a stretch of at least long characters made of a base
// repeated at least twice, like "abcabc" (zxcvbn's repeat matcher finds
// base+ by regex, so its tokens are exactly such stretches).
func longRepeat(s string, long int) bool {
	for p := 1; p <= len(s)/2; p++ {
		run := 0
		for i := 0; i+p < len(s); i++ {
			if s[i] == s[i+p] {
				run++
				if run >= p && run+p >= long { // base seen twice, stretch long enough
					return true
				}
			} else {
				run = 0
			}
		}
	}
	return false
}
