// Package testvault builds vaults for tests and benchmarks.
package testvault

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/imapvault/imapvault/vault"
)

var humanWords = []string{"summer", "Winter", "dragon", "Monkey", "sunshine", "Football", "princess",
	"welcome", "Shadow", "master", "hello", "Freedom", "whatever", "Qwerty", "trustno", "Ginger",
	"Pepper", "london", "Berlin", "coffee", "Tigers", "rainbow", "Mustang", "Soccer", "office"}

// Realistic has n accounts with the mix a sysadmin's vault holds: a
// third human-chosen passwords (8-20 characters of words, digits and
// years), a third generated, a third reused or weak variants of others.
func Realistic(n int, now time.Time) *vault.Vault {
	r := rand.New(rand.NewPCG(17, 17))
	v := vault.New()
	for i := range n {
		a := &vault.Account{ID: fmt.Sprintf("id%05d", i), Name: fmt.Sprintf("box%05d", i),
			Host: fmt.Sprintf("imap%d.example.com", i%300), Port: 993, Security: vault.TLS,
			Username: fmt.Sprintf("user%05d@example.com", i), Changed: now.AddDate(0, 0, -(i % 500)),
			LastCheck: &vault.Check{At: now, Status: "ok", LatencyMS: 40,
				TLS: &vault.TLSInfo{Version: "TLS 1.3", NotAfter: now.AddDate(0, 0, 200), DaysLeft: 200}}}
		switch i % 3 {
		case 0:
			a.Password = humanPw(r)
		case 1:
			a.Password = generated(r)
		default:
			prev := v.Accounts[r.IntN(i)].Password
			switch r.IntN(3) {
			case 0:
				a.Password = prev // reused as is
			case 1:
				a.Password = prev + fmt.Sprint(r.IntN(10)) // a variant
			default:
				a.Password = fmt.Sprintf("%s%d", humanWords[r.IntN(len(humanWords))], r.IntN(100)) // weak
			}
		}
		v.Accounts = append(v.Accounts, a)
	}
	v.Recipients = []vault.Recipient{{Key: "age1x", Label: "me", Added: now.AddDate(-3, 0, 0)}}
	return v
}

// humanPw: words, digits, a year and maybe a symbol, 8-20 characters.
func humanPw(r *rand.Rand) string {
	for {
		pw := humanWords[r.IntN(len(humanWords))]
		if r.IntN(2) == 0 {
			pw += humanWords[r.IntN(len(humanWords))]
		}
		switch r.IntN(4) {
		case 0:
			pw += fmt.Sprint(1960 + r.IntN(66))
		case 1:
			pw = fmt.Sprintf("%s-%d-%d", pw, r.IntN(100000), r.IntN(100))
		case 2:
			pw += fmt.Sprintf("%d%s", r.IntN(1000), "!#$."[r.IntN(4):][:1])
		default:
			pw = fmt.Sprintf("Pw-%d-%d-%s%d", r.IntN(100000), r.IntN(100), pw[:3], r.IntN(10000))
		}
		if len(pw) >= 8 && len(pw) <= 20 {
			return pw
		}
	}
}

// generated is a rotate-like password: 24 characters of the full alphabet.
func generated(r *rand.Rand) string {
	const al = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%&*+-=?@^_"
	b := make([]byte, 24)
	for i := range b {
		b[i] = al[r.IntN(len(al))]
	}
	return string(b)
}

// Hosting is Realistic as a hosting provider's vault holds it: the third
// that Realistic makes reused or weak variants instead takes one of a few
// default passwords, each shared by about group accounts (half of the
// defaults human-chosen, half generated).
func Hosting(n, group int, now time.Time) *vault.Vault {
	v := Realistic(n, now)
	r := rand.New(rand.NewPCG(23, 23))
	pool := make([]string, max(1, n/3/max(1, group)))
	for i := range pool {
		if i%2 == 0 {
			pool[i] = fmt.Sprintf("%s%d!", humanWords[i%len(humanWords)], 2000+i)
		} else {
			pool[i] = generated(r)
		}
	}
	for i, a := range v.Accounts {
		if i%3 == 2 {
			a.Password = pool[(i/3)%len(pool)]
		}
	}
	return v
}

// Shared is Realistic with every account on the one password pw: a
// provider's default nobody changed.
func Shared(n int, pw string, now time.Time) *vault.Vault {
	v := Realistic(n, now)
	for _, a := range v.Accounts {
		a.Password = pw
	}
	return v
}
