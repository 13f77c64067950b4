// Package rotate generates passwords and rotates them through a state
// machine persisted in the vault: generated -> saved as pending -> applied ->
// verified -> committed. The old password stays current until the new one
// has logged in, so a crash or a failure at any step loses nothing.
package rotate

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Generator defaults and limits.
const (
	DefaultLength  = 24
	DefaultClasses = "ulds"
	MinLength      = 8    // shorter is not worth rotating to
	MaxLength      = 1024 // far beyond any provider's limit
)

// Character classes of a PasswordPolicy.
const (
	upper   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower   = "abcdefghijklmnopqrstuvwxyz"
	digits  = "0123456789"
	symbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// ErrPolicy is wrapped by every error about a policy no password can meet.
var ErrPolicy = errors.New("password policy cannot be met")

// maxCandidates bounds the rejection loop. Any policy that passes
// validation accepts a candidate with probability above ~1%, so reaching
// this bound means the random source is broken, not bad luck.
const maxCandidates = 100000

// Generate returns a random password meeting p: p.Length characters
// (default 24) drawn from the classes in p.Classes (a subset of "ulds":
// upper, lower, digits, symbols; default all four) minus p.Exclude, with at
// least one character of every class. Whole candidates missing a class are
// rejected and drawn again, so every valid password is equally likely.
func Generate(p vault.PasswordPolicy) (string, error) {
	return generate(p, rand.Reader)
}

// alphabet is a policy resolved to its characters.
type alphabet struct {
	chars   string
	classOf []int // classOf[i] is the class index of chars[i]
	classes int
	length  int
}

func generate(p vault.PasswordPolicy, rnd io.Reader) (string, error) {
	a, err := resolve(p)
	if err != nil {
		return "", err
	}
	buf := make([]byte, a.length)
	seen := make([]bool, a.classes)
	for range maxCandidates {
		if err := a.fill(buf, rnd); err != nil {
			return "", err
		}
		if a.complete(buf, seen) {
			return string(buf), nil
		}
	}
	clear(buf)
	return "", fmt.Errorf("%w: no password found after %d tries; the random source looks broken", ErrPolicy, maxCandidates)
}

// resolve validates p and expands it into the characters to draw from.
func resolve(p vault.PasswordPolicy) (*alphabet, error) {
	n := p.Length
	if n == 0 {
		n = DefaultLength
	}
	if n < MinLength || n > MaxLength {
		return nil, fmt.Errorf("%w: length %d is outside %d-%d", ErrPolicy, n, MinLength, MaxLength)
	}
	classes := p.Classes
	if classes == "" {
		classes = DefaultClasses
	}
	a := &alphabet{length: n}
	var chars []byte
	used := map[rune]bool{}
	for _, c := range classes {
		if used[c] {
			continue
		}
		used[c] = true
		var set, name string
		switch c {
		case 'u':
			set, name = upper, "upper-case letter"
		case 'l':
			set, name = lower, "lower-case letter"
		case 'd':
			set, name = digits, "digit"
		case 's':
			set, name = symbols, "symbol"
		default:
			return nil, fmt.Errorf("%w: unknown character class %q in %q (use u, l, d and s)", ErrPolicy, c, classes)
		}
		kept := 0
		for i := 0; i < len(set); i++ {
			if !strings.ContainsRune(p.Exclude, rune(set[i])) {
				chars = append(chars, set[i])
				a.classOf = append(a.classOf, a.classes)
				kept++
			}
		}
		if kept == 0 {
			return nil, fmt.Errorf("%w: the exclude set removes every %s; exclude fewer or drop %q from the classes", ErrPolicy, name, c)
		}
		a.classes++
	}
	a.chars = string(chars)
	if a.classes > n {
		return nil, fmt.Errorf("%w: %d characters cannot hold one of each of %d classes", ErrPolicy, n, a.classes)
	}
	return a, nil
}

// fill draws every byte of buf uniformly from the alphabet. A random byte
// at or above the largest multiple of the alphabet size is thrown away,
// since keeping it would favour the first characters (modulo bias).
func (a *alphabet) fill(buf []byte, rnd io.Reader) error {
	k := len(a.chars)
	limit := 256 - 256%k
	var raw [64]byte
	i := 0
	for i < len(buf) {
		if _, err := io.ReadFull(rnd, raw[:]); err != nil {
			return fmt.Errorf("read random bytes: %w", err)
		}
		for _, b := range raw {
			if int(b) >= limit {
				continue
			}
			buf[i] = a.chars[int(b)%k]
			if i++; i == len(buf) {
				break
			}
		}
	}
	clear(raw[:])
	return nil
}

// complete reports whether buf holds at least one character of each class.
func (a *alphabet) complete(buf []byte, seen []bool) bool {
	clear(seen)
	missing := a.classes
	for _, b := range buf {
		c := a.classOf[strings.IndexByte(a.chars, b)]
		if !seen[c] {
			seen[c] = true
			if missing--; missing == 0 {
				return true
			}
		}
	}
	return false
}
