package audit

import (
	"crypto/sha1"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// now is the fixed clock of every test: no test reads the wall clock.
var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }

// strongPw is a deterministic random 20-character password, which zxcvbn
// scores 4.
func strongPw(seed uint64) string {
	const al = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%&*+=?"
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	b := make([]byte, 20)
	for i := range b {
		b[i] = al[r.IntN(len(al))]
	}
	return string(b)
}

func okCheck() *vault.Check {
	return &vault.Check{At: daysAgo(1), Status: "ok", LatencyMS: 40,
		TLS: &vault.TLSInfo{Version: "TLS 1.3", NotAfter: now.Add(90 * 24 * time.Hour), DaysLeft: 91}}
}

// cleanVault has nothing to report.
func cleanVault() *vault.Vault {
	v := vault.New()
	v.Accounts = []*vault.Account{
		{ID: "id-work", Name: "work", Host: "imap.example.com", Port: 993, Security: vault.TLS,
			Username: "alice@example.com", Password: strongPw(1), Created: daysAgo(400), Changed: daysAgo(30),
			Modified: daysAgo(2), LastCheck: okCheck()},
		{ID: "id-home", Name: "home", Host: "mail.example.org", Port: 143, Security: vault.STARTTLS,
			Username: "bob@example.org", Password: strongPw(2), Created: daysAgo(100), Changed: daysAgo(100),
			Modified: daysAgo(100), LastCheck: okCheck()},
	}
	v.Recipients = []vault.Recipient{{Key: "age1exampleexampleexampleexample", Label: "me", Added: daysAgo(500)}}
	return v
}

func sha1Hex(pw string) string {
	s := sha1.Sum([]byte(pw))
	return strings.ToUpper(hex.EncodeToString(s[:]))
}

// writeLines writes lines joined by eol into a file under dir.
func writeLines(t testing.TB, dir, name string, lines []string, eol string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, eol)+eol), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallBreachFile holds the given passwords' hashes among some filler.
func smallBreachFile(t testing.TB, counts map[string]int) *BreachFile {
	t.Helper()
	var lines []string
	for pw, n := range counts {
		lines = append(lines, sha1Hex(pw)+":"+itoa(n))
	}
	for i := range 200 {
		lines = append(lines, sha1Hex("filler-"+itoa(i))+":"+itoa(i+1))
	}
	sort.Strings(lines)
	bf, err := OpenBreachFile(writeLines(t, t.TempDir(), "pwned.txt", lines, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bf.Close() })
	return bf
}

func itoa(n int) string { return strconv.Itoa(n) }

// findingOf is the finding of kind about account, or nil.
func findingOf(fs []Finding, account string, kind Kind) *Finding {
	for i := range fs {
		if fs[i].Account == account && fs[i].Kind == kind {
			return &fs[i]
		}
	}
	return nil
}
