package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// bigLines is "multi-million": the search must work on files far beyond
// what a test could load into a slice without noticing.
const bigLines = 2_000_000

func firstAndLastKnown() (first, last string) {
	var pws []string
	for pw := range knownCounts {
		pws = append(pws, pw)
	}
	sort.Slice(pws, func(i, j int) bool { return sha1Hex(pws[i]) < sha1Hex(pws[j]) })
	return pws[0], pws[len(pws)-1]
}

func TestBreachLookupBigFile(t *testing.T) {
	variants := []struct {
		name     string
		eol      string
		finalEOL bool
	}{
		{"LF", "\n", true},
		{"CRLF", "\r\n", true},
		{"LF without final newline", "\n", false},
		{"CRLF without final newline", "\r\n", false},
	}
	first, last := firstAndLastKnown()
	for _, vt := range variants {
		t.Run(vt.name, func(t *testing.T) {
			n := bigLines
			if !vt.finalEOL {
				n = 300_000 // the end of the file is what differs
			}
			path, samples := genBreach(t, t.TempDir(), "pwned.txt", n, vt.eol, vt.finalEOL, 997)
			bf, err := OpenBreachFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer bf.Close()
			if bf.first.key != keyOf(first) || bf.last.key != keyOf(last) {
				t.Fatal("generator did not put the known extremes first and last")
			}

			for pw, want := range knownCounts {
				got, err := bf.Lookup(pw)
				if err != nil || got != want {
					t.Errorf("Lookup(known %q) = %d, %v; want %d", pw, got, err, want)
				}
			}
			for _, pw := range []string{"", "not in the file", "hunter3", strings.Repeat("x", 500)} {
				if got, err := bf.Lookup(pw); err != nil || got != 0 {
					t.Errorf("Lookup(%q) = %d, %v; want a miss", pw, got, err)
				}
			}
			for _, s := range samples {
				if got, err := bf.lookup(s.key); err != nil || got != s.count {
					t.Fatalf("lookup(line %s) = %d, %v; want %d", s.key[:8], got, err, s.count)
				}
				if got, err := bf.lookup(missOf(s.key)); err != nil || got != 0 {
					t.Fatalf("lookup(next to %s) = %d, %v; want a miss", s.key[:8], got, err)
				}
			}
			if len(samples) < 300 {
				t.Fatalf("only %d samples", len(samples))
			}
		})
	}
}

// smallLines is a sorted 50,000-line file as a slice, for corrupting.
func smallLines(t *testing.T) []string {
	t.Helper()
	path, _ := genBreach(t, t.TempDir(), "src.txt", 50_000, "\n", true, 0)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func indexOfKey(lines []string, pw string) int {
	h := sha1Hex(pw)
	for i, l := range lines {
		if strings.HasPrefix(l, h) {
			return i
		}
	}
	panic("not found: " + pw)
}

// TestBreachFileBroken: every broken file gives ErrMalformedBreachFile,
// at open or at the lookup that meets the damage, and never a clean miss.
func TestBreachFileBroken(t *testing.T) {
	const target = "Tr0ub4dor&3" // a known password in the middle
	first, last := firstAndLastKnown()
	if target == first || target == last {
		t.Fatal("target must sit in the middle")
	}
	base := smallLines(t)
	ti := indexOfKey(base, target)
	tests := []struct {
		name      string
		edit      func(l []string) []string
		openFails bool
	}{
		{"empty file", func(l []string) []string { return nil }, true},
		{"first line not a hash", func(l []string) []string { l[0] = "hello world"; return l }, true},
		{"last line not a hash", func(l []string) []string { l[len(l)-1] = "00:1"; return l }, true},
		{"last line without count", func(l []string) []string { l[len(l)-1] = l[len(l)-1][:41]; return l }, true},
		{"ordered by prevalence", func(l []string) []string {
			sort.Slice(l, func(i, j int) bool { return l[i][41:] < l[j][41:] })
			return l
		}, true},
		{"reversed", func(l []string) []string {
			for i, j := 0, len(l)-1; i < j; i, j = i+1, j-1 {
				l[i], l[j] = l[j], l[i]
			}
			return l
		}, true},
		{"garbage line next to the target", func(l []string) []string { l[ti-1] = "this is not a hash line"; return l }, false},
		{"truncated hash next to the target", func(l []string) []string { l[ti+1] = l[ti+1][1:]; return l }, false},
		{"count with letters next to the target", func(l []string) []string { l[ti-1] = l[ti-1][:41] + "12x"; return l }, false},
		{"garbage region around the target", func(l []string) []string {
			for i := ti - 3000; i < ti+3000; i++ {
				l[i] = "garbage"
			}
			return l
		}, false},
		{"target swapped with the next line", func(l []string) []string { l[ti], l[ti+1] = l[ti+1], l[ti]; return l }, false},
		{"target swapped with the previous line", func(l []string) []string { l[ti], l[ti-1] = l[ti-1], l[ti]; return l }, false},
		{"a block out of order around the target", func(l []string) []string {
			blk := append([]string{}, l[ti-2000:ti+2000]...)
			copy(l[ti-2000:], l[ti+2000:ti+6000])
			copy(l[ti+2000:], blk)
			return l
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := tt.edit(append([]string{}, base...))
			path := filepath.Join(t.TempDir(), "pwned.txt")
			body := ""
			if len(lines) > 0 {
				body = strings.Join(lines, "\n") + "\n"
			}
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			bf, err := OpenBreachFile(path)
			if tt.openFails {
				if bf != nil {
					bf.Close()
				}
				checkBreachErr(t, err, target)
				return
			}
			if err != nil { // the spot check at open found it first: fine too
				t.Log("found at open")
				checkBreachErr(t, err, target)
				return
			}
			defer bf.Close()
			n, err := bf.Lookup(target)
			if err == nil && n == knownCounts[target] && !strings.Contains(tt.name, "garbage") && !strings.Contains(tt.name, "truncated") && !strings.Contains(tt.name, "letters") {
				return // a true hit is an acceptable answer for a misplaced line
			}
			if err == nil {
				t.Fatalf("Lookup = %d with no error: a wrong answer from a broken file", n)
			}
			checkBreachErr(t, err, target)
		})
	}
}

func checkBreachErr(t *testing.T, err error, secret string) {
	t.Helper()
	if !errors.Is(err, ErrMalformedBreachFile) {
		t.Fatalf("err = %v, want ErrMalformedBreachFile", err)
	}
	msg := err.Error()
	for _, bad := range []string{secret, sha1Hex(secret), strings.ToLower(sha1Hex(secret)), sha1Hex(secret)[:16]} {
		if strings.Contains(msg, bad) {
			t.Fatalf("error %q reveals the password or its hash", msg)
		}
	}
	if !strings.Contains(msg, "pwned.txt") || !strings.Contains(msg, "ordered by hash") {
		t.Errorf("error %q should name the file and say what file is needed", msg)
	}
}

func TestBreachFileLowerCaseAndTiny(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		pw    string
		want  int
	}{
		{"one line, hit", []string{sha1Hex("hunter2") + ":17"}, "hunter2", 17},
		{"one line, miss", []string{sha1Hex("hunter2") + ":17"}, "hunter3", 0},
		{"lower-case hex", func() []string {
			l := []string{sha1Hex("a") + ":1", sha1Hex("hunter2") + ":17", sha1Hex("b") + ":2"}
			sort.Strings(l)
			for i := range l {
				l[i] = strings.ToLower(l[i])
			}
			return l
		}(), "hunter2", 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bf, err := OpenBreachFile(writeLines(t, t.TempDir(), "pwned.txt", tt.lines, "\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			defer bf.Close()
			if got, err := bf.Lookup(tt.pw); err != nil || got != tt.want {
				t.Fatalf("Lookup = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestRunFailsOnBrokenBreachFile(t *testing.T) {
	v := cleanVault()
	// A garbage line where work's password would sort: the spot check at
	// open misses it, the lookup meets it.
	lines := append(smallLines(t), sha1Hex(strongPw(1))+":1")
	sort.Strings(lines)
	i := sort.SearchStrings(lines, sha1Hex(strongPw(1)))
	lines[i] = "garbage"
	bf, err := OpenBreachFile(writeLines(t, t.TempDir(), "pwned.txt", lines, "\n"))
	if err != nil {
		t.Fatalf("open found the damage; move it: %v", err)
	}
	defer bf.Close()
	fs, err := Run(v, Options{Now: now, Breached: bf})
	if err == nil {
		t.Fatalf("Run on a broken breach file = %d findings, no error", len(fs))
	}
	if !errors.Is(err, ErrMalformedBreachFile) || !strings.Contains(err.Error(), "account work") {
		t.Fatalf("err = %v", err)
	}
	checkBreachErr(t, err, strongPw(1))
}

func TestBreachFileTrailingBlankLines(t *testing.T) {
	first, last := firstAndLastKnown()
	lines := []string{sha1Hex(first) + ":11", sha1Hex("hunter2") + ":17", sha1Hex(last) + ":99"}
	sort.Strings(lines)
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{"LF blank lines", strings.Join(lines, "\n") + "\n\n\n", true},
		{"CRLF blank lines", strings.Join(lines, "\r\n") + "\r\n\r\n", true},
		{"only blank lines", "\n\r\n\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pwned.txt")
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			bf, err := OpenBreachFile(path)
			if !tt.ok {
				checkBreachErr(t, err, "hunter2")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer bf.Close()
			for _, pw := range []string{first, "hunter2", last} {
				if n, err := bf.Lookup(pw); err != nil || n == 0 {
					t.Errorf("Lookup(%q) = %d, %v", pw, n, err)
				}
			}
			if n, err := bf.Lookup("nope"); err != nil || n != 0 {
				t.Errorf("Lookup(nope) = %d, %v", n, err)
			}
		})
	}
}

// Lookups from many goroutines share the file and the probe cache.
func TestBreachLookupConcurrent(t *testing.T) {
	path, samples := genBreach(t, t.TempDir(), "pwned.txt", 200_000, "\n", true, 101)
	bf, err := OpenBreachFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer bf.Close()
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := g; i < len(samples); i += 8 {
				s := samples[i]
				if n, err := bf.lookup(s.key); err != nil || n != s.count {
					errs <- fmt.Errorf("lookup(%s) = %d, %v; want %d", s.key[:8], n, err, s.count)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
