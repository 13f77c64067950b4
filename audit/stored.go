package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/imapvault/imapvault/vault"
)

// strengthAlgo names how scores are computed (zxcvbn version, windows,
// collapse rules) and what the fingerprint covers; changing it invalidates
// every stored score.
const strengthAlgo = "zxcvbn-1.0.1/win32-256/collapse3/fields"

// A password's strength depends only on the password and the account's
// user inputs, so it is computed once and kept with the account inside the
// encrypted vault (vault.Strength), with a keyed fingerprint of what it was
// computed from: a later audit only looks it up. The fingerprint is an
// HMAC under the vault's own random StrengthKey, so it says nothing about
// the password to anyone without the vault, and it never leaves the vault.

// strengthKey decodes the vault's key; nil when it has none or a bad one.
func strengthKey(v *vault.Vault) []byte {
	k, err := hex.DecodeString(v.StrengthKey)
	if err != nil || len(k) < 32 {
		return nil
	}
	return k
}

// fingerprinter computes HMAC-SHA256(key, algo, password, username, host,
// name), each field length-prefixed so fields cannot run together. The
// user inputs zxcvbn gets are made from those three fields, so they are
// covered without being built. A warm audit checks every account's
// fingerprint twice (Score, then Run), and a fresh process pays for every
// page of memory it touches, so one HMAC and one buffer are reused: no
// allocation per account. Not for concurrent use.
type fingerprinter struct {
	mac hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

func newFingerprinter(key []byte) *fingerprinter {
	return &fingerprinter{mac: hmac.New(sha256.New, key)}
}

func (f *fingerprinter) of(a *vault.Account) []byte {
	f.buf = f.buf[:0]
	for _, s := range [...]string{strengthAlgo, a.Password, a.Username, a.Host, a.Name} {
		f.buf = binary.BigEndian.AppendUint64(f.buf, uint64(len(s)))
		f.buf = append(f.buf, s...)
	}
	f.mac.Reset()
	f.mac.Write(f.buf)
	clear(f.buf) // it held the password
	return f.mac.Sum(f.sum[:0])
}

// stored returns a's stored score when it still fits its password,
// username, host and name.
func (f *fingerprinter) stored(a *vault.Account) (int, bool) {
	s := a.Strength
	if f == nil || s == nil || len(s.Fingerprint) != 2*sha256.Size {
		return 0, false
	}
	var want [sha256.Size]byte
	if _, err := hex.Decode(want[:], []byte(s.Fingerprint)); err != nil {
		return 0, false
	}
	if !hmac.Equal(want[:], f.of(a)) {
		return 0, false
	}
	return s.Score, true
}

// fingerprinterFor is nil when the vault has no strength key yet.
func fingerprinterFor(v *vault.Vault) *fingerprinter {
	if k := strengthKey(v); k != nil {
		return newFingerprinter(k)
	}
	return nil
}

// Score computes and stores the strength of every password account whose
// stored score is missing or no longer fits, on every core, and gives the
// vault a StrengthKey if it has none. progress (may be nil) is called from
// one goroutine at a time with the number done and the total. It returns
// how many scores it stored; the caller saves the vault when that is > 0.
func Score(v *vault.Vault, progress func(done, total int)) int {
	if strengthKey(v) == nil {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		v.StrengthKey = hex.EncodeToString(k)
		for _, a := range v.Accounts {
			a.Strength = nil // made under another key
		}
	}
	key := strengthKey(v)
	fp := newFingerprinter(key)
	// Accounts whose score is sure to be the same (one password, inputs
	// that cannot change it) share one job: zxcvbn runs once per job.
	type job struct {
		scoreJob
		accounts []*vault.Account
	}
	jobs := map[string]*job{}
	var todo []*job
	total := 0
	for _, a := range v.Accounts {
		if a.Password == "" || a.IsOAuth2() {
			continue
		}
		if _, ok := fp.stored(a); ok {
			continue
		}
		k, parts, inputs := scoreInput(a)
		j := jobs[k]
		if j == nil {
			j = &job{scoreJob: scoreJob{pw: a.Password, parts: parts, inputs: inputs}}
			jobs[k] = j
			todo = append(todo, j)
		}
		j.accounts = append(j.accounts, a)
		total++
	}
	if total == 0 {
		return 0
	}
	quick := len(todo) >= shortcutMin || trieReady()
	var done atomic.Int64
	var progressMu sync.Mutex
	next := make(chan *job)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fp := newFingerprinter(key)
			for j := range next {
				s := scoreParts(j.parts, j.inputs, quick)
				for _, a := range j.accounts {
					a.Strength = &vault.Strength{Score: s, Fingerprint: hex.EncodeToString(fp.of(a))}
				}
				n := done.Add(int64(len(j.accounts)))
				if progress != nil && progressMu.TryLock() {
					progress(int(n), total)
					progressMu.Unlock()
				}
			}
		}()
	}
	for _, j := range todo {
		next <- j
	}
	close(next)
	wg.Wait()
	if progress != nil {
		progress(total, total)
	}
	return total
}

// CopyScores copies the stored scores (and the key they were made under)
// from src to the accounts of dst with the same id, for a caller that
// scored a copy and saves another (reread under the lock). A score that no
// longer fits the account in dst is simply recomputed later.
//
// An account it changes is replaced in dst.Accounts by a changed copy,
// never written in place: the TUI saves a snapshot that shares the
// account structs in a goroutine while its model goes on.
func CopyScores(dst, src *vault.Vault) {
	if src.StrengthKey == "" {
		return
	}
	newKey := dst.StrengthKey != src.StrengthKey
	dst.StrengthKey = src.StrengthKey
	byID := make(map[string]*vault.Account, len(src.Accounts))
	for _, a := range src.Accounts {
		byID[a.ID] = a
	}
	for i, a := range dst.Accounts {
		var st *vault.Strength
		if s := byID[a.ID]; s != nil && s.Strength != nil {
			c := *s.Strength
			st = &c
		}
		if st == nil && (!newKey || a.Strength == nil) {
			continue // nothing to copy, and what it holds is still under its key
		}
		c := *a
		c.Strength = st
		dst.Accounts[i] = &c
	}
}
