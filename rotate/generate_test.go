package rotate

import (
	"crypto/rand"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

func TestGeneratePolicy(t *testing.T) {
	tests := []struct {
		name    string
		p       vault.PasswordPolicy
		length  int
		allowed string // every character must be in here
		classes []string
	}{
		{"default", vault.PasswordPolicy{}, 24, upper + lower + digits + symbols, []string{upper, lower, digits, symbols}},
		{"length 12", vault.PasswordPolicy{Length: 12}, 12, upper + lower + digits + symbols, []string{upper, lower, digits, symbols}},
		{"no symbols", vault.PasswordPolicy{Length: 16, Classes: "uld"}, 16, upper + lower + digits, []string{upper, lower, digits}},
		{"digits only", vault.PasswordPolicy{Length: 8, Classes: "d"}, 8, digits, []string{digits}},
		{"duplicate class letters", vault.PasswordPolicy{Length: 10, Classes: "uull"}, 10, upper + lower, []string{upper, lower}},
		{"exclude look-alikes", vault.PasswordPolicy{Length: 20, Classes: "uld", Exclude: "0O1lI"}, 20,
			"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", []string{upper, lower, digits}},
		{"one symbol left", vault.PasswordPolicy{Length: 8, Classes: "ls", Exclude: strings.ReplaceAll(symbols, "-", "")}, 8,
			lower + "-", []string{lower, "-"}},
		{"max length", vault.PasswordPolicy{Length: MaxLength}, MaxLength, upper + lower + digits + symbols, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				pw, err := Generate(tt.p)
				if err != nil {
					t.Fatal(err)
				}
				if len(pw) != tt.length {
					t.Fatalf("length %d, want %d", len(pw), tt.length)
				}
				for _, c := range pw {
					if !strings.ContainsRune(tt.allowed, c) {
						t.Fatalf("character %q is not allowed by the policy", c)
					}
				}
				for _, class := range tt.classes {
					if !strings.ContainsAny(pw, class) {
						t.Fatalf("no character of class %q", class)
					}
				}
			}
		})
	}
}

func TestGenerateImpossible(t *testing.T) {
	tests := []struct {
		name string
		p    vault.PasswordPolicy
		want string
	}{
		{"too short", vault.PasswordPolicy{Length: 7}, "length 7 is outside"},
		{"too long", vault.PasswordPolicy{Length: MaxLength + 1}, "is outside"},
		{"negative", vault.PasswordPolicy{Length: -1}, "is outside"},
		{"unknown class", vault.PasswordPolicy{Classes: "ulx"}, `unknown character class 'x'`},
		{"every digit excluded", vault.PasswordPolicy{Classes: "ud", Exclude: digits}, "removes every digit"},
		{"every symbol excluded", vault.PasswordPolicy{Exclude: symbols}, "removes every symbol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := Generate(tt.p)
			if err == nil {
				t.Fatalf("Generate(%+v) succeeded; want an error", tt.p)
			}
			if pw != "" {
				t.Fatal("a password came back with the error")
			}
			if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q; want ErrPolicy containing %q", err, tt.want)
			}
		})
	}
}

// Uniformity: a password drawn uniformly from all valid passwords has, at
// each position, an exactly computable character distribution. It is not
// flat over the alphabet: a character of a small class (digits) also
// satisfies that class's requirement, so it is a little more likely than
// a letter. expected() computes it by inclusion-exclusion, and a
// chi-square test per position compares the draws with it.
//
// Threshold: the Wilson-Hilferty approximation of the chi-square quantile
// at p = 1e-7 per position, so a correct generator fails a run with
// probability below 1e-5 across all positions and policies here. A biased
// generator (modulo bias, a forced class at a fixed position, or patching
// a missing class in after the fact) lands far above it; the self-test
// below proves that.

const uniformDraws = 60000

var uniformPolicies = []struct {
	name string
	p    vault.PasswordPolicy
}{
	{"all classes, length 8", vault.PasswordPolicy{Length: 8}},
	{"digits and one symbol, length 8", vault.PasswordPolicy{Length: 8, Classes: "ds", Exclude: strings.ReplaceAll(symbols, "#", "")}},
	{"letters without look-alikes, length 12", vault.PasswordPolicy{Length: 12, Classes: "ul", Exclude: "IOl"}},
}

func TestGenerateUniform(t *testing.T) {
	for _, tt := range uniformPolicies {
		t.Run(tt.name, func(t *testing.T) {
			a, err := resolve(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			stat, limit := chiSquare(t, a, func() string {
				pw, err := Generate(tt.p)
				if err != nil {
					t.Fatal(err)
				}
				return pw
			})
			if stat > limit {
				t.Fatalf("largest per-position chi-square %.1f exceeds %.1f: not uniform over valid passwords", stat, limit)
			}
		})
	}
}

// TestChiSquareCatchesBias shows the uniformity test can fail: generators
// with the classic mistakes must exceed the threshold.
func TestChiSquareCatchesBias(t *testing.T) {
	p := vault.PasswordPolicy{Length: 8}
	a, err := resolve(p)
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, p.Length)
	biased := []struct {
		name string
		gen  func() string
	}{
		{"modulo bias", func() string {
			for {
				rand.Read(raw)
				for i, b := range raw {
					raw[i] = a.chars[int(b)%len(a.chars)]
				}
				if a.complete(raw, make([]bool, a.classes)) {
					return string(raw)
				}
			}
		}},
		{"patch a missing class in", func() string {
			pw, _ := generateUnchecked(a)
			b := []byte(pw)
			for c, set := range []string{upper, lower, digits, symbols} {
				if !strings.ContainsAny(pw, set) {
					b[c] = set[0] // the kind of fix that skews positions
				}
			}
			return string(b)
		}},
		{"forced classes at fixed positions", func() string {
			pw, _ := generateUnchecked(a)
			return "A" + "a" + "0" + "!" + pw[4:]
		}},
	}
	for _, tt := range biased {
		t.Run(tt.name, func(t *testing.T) {
			stat, limit := chiSquare(t, a, tt.gen)
			if stat <= limit {
				t.Fatalf("biased generator passed: chi-square %.1f <= %.1f", stat, limit)
			}
		})
	}
}

// generateUnchecked draws without the class requirement.
func generateUnchecked(a *alphabet) (string, error) {
	buf := make([]byte, a.length)
	err := a.fill(buf, rand.Reader)
	return string(buf), err
}

// chiSquare draws uniformDraws passwords and returns the largest
// per-position chi-square statistic and the threshold it must stay under.
func chiSquare(t *testing.T, a *alphabet, gen func() string) (stat, limit float64) {
	t.Helper()
	k := len(a.chars)
	counts := make([][]int, a.length)
	for i := range counts {
		counts[i] = make([]int, k)
	}
	for range uniformDraws {
		pw := gen()
		for i := 0; i < len(pw); i++ {
			j := strings.IndexByte(a.chars, pw[i])
			if j < 0 {
				t.Fatalf("character %q outside the alphabet", pw[i])
			}
			counts[i][j]++
		}
	}
	probs := expected(a)
	for _, row := range counts {
		var s float64
		for j, n := range row {
			e := probs[j] * uniformDraws
			s += (float64(n) - e) * (float64(n) - e) / e
		}
		stat = max(stat, s)
	}
	return stat, chiSquareQuantile(float64(k-1), 5.199) // z for upper tail 1e-7
}

// expected is the probability of each alphabet character at any one
// position of a password drawn uniformly from the valid ones.
func expected(a *alphabet) []float64 {
	sizes := make([]int, a.classes)
	for _, c := range a.classOf {
		sizes[c]++
	}
	k := len(a.chars)
	// covering counts strings of length n that hit every class in mask.
	covering := func(n int, mask int) float64 {
		var total float64
		for sub := mask; ; sub = (sub - 1) & mask {
			left, bits := k, 0
			for c := range a.classes {
				if sub&(1<<c) != 0 {
					left -= sizes[c]
					bits++
				}
			}
			term := math.Pow(float64(left), float64(n))
			if bits%2 == 1 {
				term = -term
			}
			total += term
			if sub == 0 {
				break
			}
		}
		return total
	}
	all := 1<<a.classes - 1
	valid := covering(a.length, all)
	probs := make([]float64, k)
	for j, c := range a.classOf {
		probs[j] = covering(a.length-1, all&^(1<<c)) / valid
	}
	return probs
}

// chiSquareQuantile is the Wilson-Hilferty approximation of the upper
// quantile of a chi-square distribution with df degrees of freedom at the
// standard normal deviate z; accurate to well under 1% for df > 20.
func chiSquareQuantile(df, z float64) float64 {
	h := 2 / (9 * df)
	return df * math.Pow(1-h+z*math.Sqrt(h), 3)
}

func BenchmarkGenerate(b *testing.B) {
	for _, bb := range []struct {
		name string
		p    vault.PasswordPolicy
	}{
		{"default", vault.PasswordPolicy{}},
		{"tight", vault.PasswordPolicy{Length: 8, Classes: "ds", Exclude: "0123456"}},
	} {
		p := bb.p
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Generate(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
