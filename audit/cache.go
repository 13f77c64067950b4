package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// StrengthCache remembers zxcvbn scores across runs, for a caller that
// audits the same vault again and again (the TUI re-audits after every
// check): zxcvbn costs milliseconds per password, the lookup microseconds.
// Entries are keyed by HMAC-SHA256 under a random key of this cache, so it
// holds no password; drop it when the vault locks. Safe for concurrent use.
type StrengthCache struct {
	mu     sync.Mutex
	key    []byte
	scores map[[sha256.Size]byte]int
}

// NewStrengthCache returns an empty cache with a fresh key.
func NewStrengthCache() *StrengthCache {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return &StrengthCache{key: k, scores: map[[sha256.Size]byte]int{}}
}

func (c *StrengthCache) id(pw string, inputs []string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.key)
	field := func(s string) { // length-prefixed, so fields cannot run together
		m.Write(binary.BigEndian.AppendUint64(nil, uint64(len(s))))
		m.Write([]byte(s))
	}
	for _, in := range inputs {
		field(in)
	}
	field(pw)
	var id [sha256.Size]byte
	copy(id[:], m.Sum(nil))
	return id
}

func (c *StrengthCache) get(id [sha256.Size]byte) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.scores[id]
	return s, ok
}

func (c *StrengthCache) put(id [sha256.Size]byte, score int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scores[id] = score
}
