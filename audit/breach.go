package audit

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrMalformedBreachFile means the breach file is not a sorted list of
// SHA1:COUNT lines, so a lookup in it cannot be trusted either way.
var ErrMalformedBreachFile = errors.New("malformed breach file")

const (
	keyLen = 40 // upper-case hex SHA-1
	// maxLine bounds one line: key, ':', a count, "\r\n", with room to spare.
	maxLine = 96
	// probeRead is one read while bisecting: enough to skip to the next
	// line start and read that whole line.
	probeRead = 2 * maxLine
	// scanWindow: below this many bytes the search reads the rest at once
	// and walks the lines, which beats more small reads.
	scanWindow = 1024
	// cachedDepth: the first bisection steps hit the same offsets on every
	// lookup, so their lines are kept (at most 2^cachedDepth small entries).
	cachedDepth = 12
	// orderSamples lines spread over the file are checked at open, so a
	// file ordered by prevalence instead of by hash fails at once.
	orderSamples = 64
)

type key [keyLen]byte

// BreachFile is an offline Pwned Passwords file ("SHA-1, ordered by hash":
// sorted upper-case SHA1HEX:COUNT lines ending in \n or \r\n), searched in
// place by bisection over byte offsets, so its size does not matter. It is
// safe for concurrent use.
type BreachFile struct {
	f           *os.File
	path        string
	size        int64
	end         int64 // end of the last line, before any trailing newlines
	first, last line

	mu     sync.Mutex
	probes map[int64]probe
}

type line struct {
	key   key
	count int
}

// probe is the first whole line starting after an offset.
type probe struct {
	start int64 // offset of the line; end when none starts before it
	line
}

// OpenBreachFile opens path and checks that its first and last lines (and
// a few between them) are SHA1:COUNT lines in order.
func OpenBreachFile(path string) (*BreachFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open breach file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open breach file: %w", err)
	}
	b := &BreachFile{f: f, path: path, size: st.Size(), probes: map[int64]probe{}}
	if err := b.check(); err != nil {
		f.Close()
		return nil, err
	}
	return b, nil
}

// Close closes the file.
func (b *BreachFile) Close() error { return b.f.Close() }

func (b *BreachFile) malformed(off int64, what string) error {
	return fmt.Errorf("%w: %s: %s at byte %d; it must hold sorted upper-case SHA1:COUNT lines, like the Pwned Passwords \"SHA-1, ordered by hash\" download",
		ErrMalformedBreachFile, b.path, what, off)
}

func (b *BreachFile) unsorted(off int64) error {
	return fmt.Errorf("%w: %s is not sorted by hash (line at byte %d is out of order); use the Pwned Passwords \"SHA-1, ordered by hash\" download, not \"ordered by prevalence\"",
		ErrMalformedBreachFile, b.path, off)
}

func (b *BreachFile) check() error {
	if b.size == 0 {
		return fmt.Errorf("%w: %s is empty; download the Pwned Passwords \"SHA-1, ordered by hash\" file", ErrMalformedBreachFile, b.path)
	}
	buf := make([]byte, min(int64(probeRead), b.size))
	if _, err := b.f.ReadAt(buf, 0); err != nil && err != io.EOF {
		return fmt.Errorf("read breach file %s: %w", b.path, err)
	}
	end := bytes.IndexByte(buf, '\n')
	if end < 0 {
		if int64(len(buf)) < b.size {
			return b.malformed(0, "the first line is too long")
		}
		end = len(buf)
	}
	var ok bool
	if b.first, ok = parseLine(buf[:end]); !ok {
		return b.malformed(0, "the first line is not SHA1:COUNT")
	}

	tailStart := max(0, b.size-probeRead)
	tail := make([]byte, b.size-tailStart)
	if _, err := b.f.ReadAt(tail, tailStart); err != nil && err != io.EOF {
		return fmt.Errorf("read breach file %s: %w", b.path, err)
	}
	// Blank lines at the very end are tolerated: the search stops at end.
	tail = bytes.TrimRight(tail, "\r\n")
	b.end = tailStart + int64(len(tail))
	if b.end == 0 {
		return fmt.Errorf("%w: %s holds only blank lines; download the Pwned Passwords \"SHA-1, ordered by hash\" file", ErrMalformedBreachFile, b.path)
	}
	nl := bytes.LastIndexByte(tail, '\n')
	if nl < 0 && tailStart > 0 {
		return b.malformed(tailStart, "the last line is too long")
	}
	if b.last, ok = parseLine(tail[nl+1:]); !ok {
		return b.malformed(tailStart+int64(nl+1), "the last line is not SHA1:COUNT")
	}
	if bytes.Compare(b.first.key[:], b.last.key[:]) > 0 {
		return b.unsorted(0)
	}

	// A cheap spot check of the order between the two ends.
	prev := b.first.key
	for i := int64(1); i < orderSamples; i++ {
		p, err := b.probeAt(b.end * i / orderSamples)
		if err != nil {
			return err
		}
		if p.start >= b.end {
			break
		}
		if bytes.Compare(p.key[:], prev[:]) < 0 || bytes.Compare(p.key[:], b.last.key[:]) > 0 {
			return b.unsorted(p.start)
		}
		prev = p.key
	}
	return nil
}

// parseLine reads "SHA1HEX:COUNT", with or without a trailing \r.
// Lower-case hex is folded to upper case: it sorts the same way.
func parseLine(s []byte) (line, bool) {
	var l line
	s = bytes.TrimSuffix(s, []byte{'\r'})
	if len(s) < keyLen+2 || s[keyLen] != ':' || len(s) > keyLen+1+18 {
		return l, false
	}
	for i := 0; i < keyLen; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
		case c >= 'a' && c <= 'f':
			c -= 'a' - 'A'
		default:
			return l, false
		}
		l.key[i] = c
	}
	for _, c := range s[keyLen+1:] {
		if c < '0' || c > '9' {
			return l, false
		}
		l.count = l.count*10 + int(c-'0')
	}
	return l, true
}

// probeAt finds the first line that starts after off (off itself is taken
// to be inside a line) and parses it.
func (b *BreachFile) probeAt(off int64) (probe, error) {
	var buf [probeRead]byte
	n, err := b.f.ReadAt(buf[:min(int64(probeRead), b.end-off)], off)
	if err != nil && err != io.EOF {
		return probe{}, fmt.Errorf("read breach file %s: %w", b.path, err)
	}
	data := buf[:n]
	atEOF := off+int64(n) >= b.end
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		if atEOF {
			return probe{start: b.end}, nil
		}
		return probe{}, b.malformed(off, "a line is too long")
	}
	start := nl + 1
	if start == len(data) && atEOF {
		return probe{start: b.end}, nil
	}
	end := bytes.IndexByte(data[start:], '\n')
	if end < 0 {
		if !atEOF {
			return probe{}, b.malformed(off+int64(start), "a line is too long")
		}
		end = len(data) - start
	}
	l, ok := parseLine(data[start : start+end])
	if !ok {
		return probe{}, b.malformed(off+int64(start), "a line is not SHA1:COUNT")
	}
	return probe{start: off + int64(start), line: l}, nil
}

func (b *BreachFile) cachedProbe(off int64, depth int) (probe, error) {
	if depth >= cachedDepth {
		return b.probeAt(off)
	}
	b.mu.Lock()
	p, ok := b.probes[off]
	b.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := b.probeAt(off)
	if err != nil {
		return p, err
	}
	b.mu.Lock()
	b.probes[off] = p
	b.mu.Unlock()
	return p, nil
}

// Lookup reports how often password appears in the file (0: not found).
// An error means the file could not be trusted for this lookup; it never
// names the password or its hash.
func (b *BreachFile) Lookup(password string) (int, error) {
	sum := sha1.Sum([]byte(password))
	const digits = "0123456789ABCDEF"
	var target key
	for i, c := range sum {
		target[2*i], target[2*i+1] = digits[c>>4], digits[c&0xf]
	}
	return b.lookup(target)
}

func (b *BreachFile) lookup(target key) (int, error) {
	switch c := bytes.Compare(target[:], b.first.key[:]); {
	case c < 0:
		return 0, nil
	case c == 0:
		return b.first.count, nil
	}
	switch c := bytes.Compare(target[:], b.last.key[:]); {
	case c > 0:
		return 0, nil
	case c == 0:
		return b.last.count, nil
	}

	// Invariant: lo is a line start whose key is below target; hi is a line
	// start (or EOF) whose key is above it; keys met must stay between.
	lo, hi := int64(0), b.end
	loKey, hiKey := b.first.key, b.last.key
	for depth := 0; hi-lo > scanWindow; depth++ {
		p, err := b.cachedProbe(lo+(hi-lo)/2, depth)
		if err != nil {
			return 0, err
		}
		if p.start >= hi {
			break
		}
		if bytes.Compare(p.key[:], loKey[:]) < 0 || bytes.Compare(p.key[:], hiKey[:]) > 0 {
			return 0, b.unsorted(p.start)
		}
		switch c := bytes.Compare(p.key[:], target[:]); {
		case c == 0:
			return p.count, nil
		case c < 0:
			lo, loKey = p.start, p.key
		default:
			hi, hiKey = p.start, p.key
		}
	}
	return b.scan(lo, hi, loKey, hiKey, target)
}

// scan walks the whole lines in [lo, hi).
func (b *BreachFile) scan(lo, hi int64, loKey, hiKey, target key) (int, error) {
	if hi-lo > 1<<20 { // only a file of absurdly long lines gets here
		return 0, b.malformed(lo, "a line is too long")
	}
	buf := make([]byte, hi-lo)
	if _, err := b.f.ReadAt(buf, lo); err != nil && err != io.EOF {
		return 0, fmt.Errorf("read breach file %s: %w", b.path, err)
	}
	// The whole window is checked even after the answer is known, so that
	// a line out of place next to the target gives an error, not a miss.
	prev, found := loKey, 0
	for off := 0; off < len(buf); {
		end := bytes.IndexByte(buf[off:], '\n')
		if end < 0 {
			end = len(buf) - off // the last line may lack its newline
		}
		l, ok := parseLine(buf[off : off+end])
		if !ok {
			return 0, b.malformed(lo+int64(off), "a line is not SHA1:COUNT")
		}
		if bytes.Compare(l.key[:], prev[:]) < 0 || bytes.Compare(l.key[:], hiKey[:]) > 0 {
			return 0, b.unsorted(lo + int64(off))
		}
		if l.key == target {
			found = l.count
		}
		prev = l.key
		off += end + 1
	}
	return found, nil
}
