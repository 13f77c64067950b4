package audit

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/vault"
)

// benchDir holds files built once per test process; TestMain removes it.
var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// genPw is a rotate-like generated password: 24 characters of the full
// alphabet, as `imapvault rotate` makes by default.
func genPw(r *rand.Rand) string {
	const al = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%&*+-=?@^_"
	b := make([]byte, 24)
	for i := range b {
		b[i] = al[r.IntN(len(al))]
	}
	return string(b)
}

// bigVault has n accounts with distinct generated passwords, except that
// every 50th reuses its neighbour's and every 100th is weak; a few have
// failing checks, cleartext or expiring certificates.
func bigVault(n int) *vault.Vault {
	r := rand.New(rand.NewPCG(7, 7))
	v := vault.New()
	for i := range n {
		a := &vault.Account{ID: fmt.Sprintf("id%05d", i), Name: fmt.Sprintf("box%05d", i),
			Host: fmt.Sprintf("imap%d.example.com", i%300), Port: 993, Security: vault.TLS,
			Username: fmt.Sprintf("user%05d@example.com", i), Password: genPw(r),
			Changed: daysAgo(i % 500), LastCheck: okCheck()}
		switch {
		case i%100 == 99:
			a.Password = fmt.Sprintf("Summer%d!", 2000+i%25)
		case i%50 == 49:
			a.Password = v.Accounts[i-1].Password
		case i%97 == 0:
			a.LastCheck = &vault.Check{At: daysAgo(1), Status: "auth_failed", Error: "Authentication failed."}
		case i%89 == 0:
			a.Security = vault.Insecure
		case i%83 == 0:
			a.LastCheck.TLS.NotAfter = now.Add(5 * 24 * time.Hour)
		}
		v.Accounts = append(v.Accounts, a)
	}
	removed := daysAgo(100)
	v.Recipients = []vault.Recipient{{Key: "age1x", Label: "me", Added: daysAgo(900)},
		{Key: "age1y", Label: "gone", Added: daysAgo(900), Removed: &removed}}
	return v
}

// BenchmarkRun10k audits 10,000 accounts without a breach file. "all" is
// what `imapvault audit` pays; "warm_strength_cache" is a repeat audit with
// a StrengthCache (the TUI); "no_strength" is everything but zxcvbn, to
// show where the time goes.
func BenchmarkRun10k(b *testing.B) {
	v := bigVault(10_000)
	dictionaryTrie() // once per process; BenchmarkDictionaryTrie measures it
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			if _, err := Run(v, Options{Now: now}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm_strength_cache", func(b *testing.B) {
		cache := NewStrengthCache()
		if _, err := Run(v, Options{Now: now, Strength: cache}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := Run(v, Options{Now: now, Strength: cache}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("no_strength", func(b *testing.B) {
		for b.Loop() {
			var out []Finding
			out = append(out, staleFindings(v, 0, now)...)
			out = append(out, reusedFindings(v)...)
			out = append(out, loginFindings(v)...)
			out = append(out, tlsFindings(v, now)...)
			out = append(out, exposedFindings(v)...)
			out = applyAccepted(v, out, false, now)
			redact(v, out)
			sortFindings(out)
		}
	})
}

var (
	bench5MOnce sync.Once
	bench5MPath string
)

// BenchmarkBreachLookup: one op is one Lookup (SHA-1 and bisection) of a
// mostly-missing password in a 5M-line file; the file is built once per
// process and the page cache is warm after the first round.
func BenchmarkBreachLookup(b *testing.B) {
	bench5MOnce.Do(func() {
		dir, err := os.MkdirTemp("", "audit-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		bench5MPath, _ = genBreach(b, dir, "pwned-5m.txt", 5_000_000, "\r\n", true, 0)
	})
	bf, err := OpenBreachFile(bench5MPath)
	if err != nil {
		b.Fatal(err)
	}
	defer bf.Close()
	pws := make([]string, 10_000)
	for i := range pws {
		pws[i] = fmt.Sprintf("candidate-%d", i)
	}
	for _, pw := range pws { // warm the page cache
		if _, err := bf.Lookup(pw); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	start := time.Now()
	for b.Loop() {
		if _, err := bf.Lookup(pws[i%len(pws)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "lookups/s")
}

// BenchmarkDictionaryTrie is the one-time cost per process of the
// surelyStrong shortcut.
func BenchmarkDictionaryTrie(b *testing.B) {
	for b.Loop() {
		buildDictionaryTrie()
	}
}

// BenchmarkRealistic10k audits the realistic mix (a third human-chosen
// passwords): "cold" scores every password (what the first audit of an
// imported vault pays, on every core), "warm" only looks the stored
// scores up (every later audit).
func BenchmarkRealistic10k(b *testing.B) {
	dictionaryTrie()
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			v := testvault.Realistic(10_000, now)
			b.StartTimer()
			Score(v, nil)
			if _, err := Run(v, Options{Now: now}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		v := testvault.Realistic(10_000, now)
		Score(v, nil)
		for b.Loop() {
			if _, err := Run(v, Options{Now: now}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScoreWarm10k is Score on a vault whose scores are all kept:
// the look-up every warm audit pays before Run.
func BenchmarkScoreWarm10k(b *testing.B) {
	v := testvault.Realistic(10_000, now)
	Score(v, nil)
	for b.Loop() {
		if Score(v, nil) != 0 {
			b.Fatal("scores were computed again")
		}
	}
}

// BenchmarkRunScale is a warm audit (scores stored) in process of a
// hosting provider's vaults: mixed100k has a third of its 100,000 accounts
// in groups of ~280 on a shared default, shared20k all 20,000 on
// Welcome2026!; "reused" is the reuse check alone.
func BenchmarkRunScale(b *testing.B) {
	for _, tv := range []struct {
		name string
		v    func() *vault.Vault
	}{
		{"mixed100k", func() *vault.Vault { return testvault.Hosting(100_000, 280, now) }},
		{"shared20k", func() *vault.Vault { return testvault.Shared(20_000, "Welcome2026!", now) }},
	} {
		b.Run(tv.name, func(b *testing.B) {
			v := tv.v()
			Score(v, nil)
			b.Run("warm", func(b *testing.B) {
				for b.Loop() {
					if _, err := Run(v, Options{Now: now}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("reused", func(b *testing.B) {
				for b.Loop() {
					reusedFindings(v)
				}
			})
		})
	}
}
