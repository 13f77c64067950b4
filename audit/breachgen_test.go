package audit

import (
	"bufio"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// knownCounts are test passwords placed in generated breach files; the
// lowest hash becomes the first line and the highest the last.
var knownCounts = map[string]int{
	"hunter2":                 17,
	"correct horse":           4242,
	"Tr0ub4dor&3":             99,
	"letmein-sentinel-XYZZY!": 1234567,
	"p4ssw0rd-again":          5,
	"qwertyuiop[]":            8,
}

type genKey struct {
	key   key
	count int
}

// genBreach writes n lines (sorted SHA1:COUNT, with the known passwords
// merged in) to dir/name, and returns every sampleEvery-th random line so
// tests can look them up. Keys are built in sorted order (one per bucket
// of the 64-bit prefix space), so no sort of millions of lines is needed.
func genBreach(tb testing.TB, dir, name string, n int, eol string, finalEOL bool, sampleEvery int) (string, []genKey) {
	tb.Helper()
	var known []key
	for pw := range knownCounts {
		known = append(known, keyOf(pw))
	}
	sort.Slice(known, func(i, j int) bool { return string(known[i][:]) < string(known[j][:]) })
	countOf := map[key]int{}
	for pw, c := range knownCounts {
		countOf[keyOf(pw)] = c
	}
	lo, hi := prefix64(known[0]), prefix64(known[len(known)-1])
	m := n - len(known)
	step := (hi - lo - 2) / uint64(m)

	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	written := 0
	writeLine := func(k key, count int) {
		w.Write(k[:])
		w.WriteByte(':')
		w.WriteString(strconv.Itoa(count))
		written++
		if written < n || finalEOL {
			w.WriteString(eol)
		}
	}
	r := rand.New(rand.NewPCG(uint64(n), 42))
	var samples []genKey
	next := 0 // next known key to merge
	var raw [20]byte
	for i := 0; i < m; i++ {
		binary.BigEndian.PutUint64(raw[:8], lo+1+uint64(i)*step+r.Uint64N(step))
		binary.BigEndian.PutUint64(raw[8:16], r.Uint64())
		binary.BigEndian.PutUint32(raw[16:], r.Uint32())
		k := hexKey(raw)
		for next < len(known) && string(known[next][:]) < string(k[:]) {
			writeLine(known[next], countOf[known[next]])
			next++
		}
		c := i%5000 + 1
		writeLine(k, c)
		if sampleEvery > 0 && i%sampleEvery == 0 {
			samples = append(samples, genKey{k, c})
		}
	}
	for ; next < len(known); next++ {
		writeLine(known[next], countOf[known[next]])
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return p, samples
}

func keyOf(pw string) key {
	var k key
	copy(k[:], sha1Hex(pw))
	return k
}

func hexKey(raw [20]byte) key {
	const digits = "0123456789ABCDEF"
	var k key
	for i, c := range raw {
		k[2*i], k[2*i+1] = digits[c>>4], digits[c&0xf]
	}
	return k
}

func prefix64(k key) uint64 {
	v, err := strconv.ParseUint(string(k[:16]), 16, 64)
	if err != nil {
		panic(err)
	}
	return v
}

// missOf is a key next to k that is in no generated file: the buckets
// are far apart and the low bits are random.
func missOf(k key) key {
	if k[39] == '0' {
		k[39] = '1'
	} else {
		k[39] = '0'
	}
	return k
}
