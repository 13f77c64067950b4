package audit

import (
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// zxcvbn uses an account's user inputs only as one more ranked dictionary
// (a word's rank is its place in the list), matched like the others
// against the lower-cased password, its reverse and its l33t readings. An
// input that cannot match in any part zxcvbn scores changes nothing, so
// it is blanked (its place kept: the ranks of the others stay), and
// accounts that share a password and what can match in it share one
// zxcvbn run: a default password on 20,000 accounts is scored once, not
// 20,000 times, and a cold audit of a hosting vault scores each shared
// default once.

// relevantInputs is inputs (already lower-cased, as userInputs makes them)
// with every word that cannot match in any of parts blanked and the
// trailing blanks cut; nil when none can match. It errs towards keeping a
// word: any l33t symbol may stand for any of its letters, reversed or not,
// and every word is kept for a part that is not ASCII.
func relevantInputs(parts, inputs []string) []string {
	var lows []string
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			if p[i] >= 0x80 {
				return inputs
			}
		}
		low := strings.ToLower(p)
		lows = append(lows, low, reverseASCII(low))
	}
	var out []string
	for i, w := range inputs {
		for _, low := range lows {
			if w != "" && longInputMatch(low, []string{w}, 0) {
				if out == nil {
					out = make([]string, len(inputs))
				}
				out[i] = w
				break
			}
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// scoreInput is what an account's score depends on: the scored parts of
// its password and the user inputs that can match in them; key is the
// same for every account whose score is sure to be the same.
func scoreInput(a *vault.Account) (key string, parts, inputs []string) {
	parts = scoredParts(a.Password)
	inputs = relevantInputs(parts, userInputs(a))
	// Length-prefixed, so no password and inputs run into another's.
	var b []byte
	for _, s := range append([]string{a.Password}, inputs...) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return string(b), parts, inputs
}
