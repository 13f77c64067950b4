package agent

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// Requests are served from the vault read once: the file is read again
// only after it changed, not per request.
func TestRequestsShareOneRead(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work", "home": "pw-home"})
	k := NewKeyring(nil)
	k.Unlock(unlockReq(key, time.Hour, time.Hour))
	for i := range 50 {
		q := Query{Name: "work"}
		if i%2 == 1 {
			q = Query{Host: "IMAP.home.example"}
		}
		if _, err := k.Get(path, q); err != nil {
			t.Fatal(err)
		}
	}
	if k.reads != 1 {
		t.Fatalf("50 requests read the vault %d times, want once", k.reads)
	}
	id := &vault.Identity{Identities: []age.Identity{key}, Recipient: key.Recipient().String()}
	f, err := vault.OpenLocked(path, id)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("work").Password = "pw-new"
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if pw, err := k.Get(path, Query{Name: "WORK"}); pw != "pw-new" || k.reads != 2 {
		t.Fatalf("after a save: %q, %v, %d reads (want pw-new, 2)", pw, err, k.reads)
	}
}

// The agent's index answers every query as Find's scan does: names and
// hosts equal but for case (Unicode folding included), names that repeat,
// hosts shared by several users.
func TestIndexAnswersAsFind(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"work", "WORK", "Work", "home", "ſtore", "store", "STORE", "\u212aey", "key", "ΣΑΣ", "σας", "ςας", "x"}
	v := vault.New()
	for i := range 400 {
		v.Accounts = append(v.Accounts, &vault.Account{ID: fmt.Sprint(i), Name: words[r.IntN(len(words))] + fmt.Sprint(r.IntN(20)),
			Host: words[r.IntN(len(words))] + ".example", Username: fmt.Sprint("u", r.IntN(4))})
	}
	ix := newIndex(v)
	for range 3000 {
		q := Query{Name: words[r.IntN(len(words))] + fmt.Sprint(r.IntN(22))}
		if r.IntN(2) == 0 {
			q = Query{Host: words[r.IntN(len(words))] + ".example"}
			if r.IntN(2) == 0 {
				q.User = fmt.Sprint("u", r.IntN(5))
			}
		}
		want, werr := Find(v, q)
		got, gerr := ix.find(q)
		if got != want || fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%+v: index %v, %v; scan %v, %v", q, got, gerr, want, werr)
		}
	}
}

// BenchmarkGet100k is one request to an unlocked keyring holding a
// 100,000-account vault already read: by name, and by host and user.
func BenchmarkGet100k(b *testing.B) {
	v := vault.New()
	for i := range 100_000 {
		v.Accounts = append(v.Accounts, &vault.Account{ID: fmt.Sprint(i), Name: fmt.Sprintf("box%05d", i),
			Host: fmt.Sprintf("imap%d.example.com", i%300), Username: fmt.Sprintf("user%05d", i), Password: "pw"})
	}
	ix := newIndex(v)
	for _, q := range []Query{{Name: "box77777"}, {Host: "imap77.example.com", User: "user77777"}} {
		by := "by_name"
		if q.Name == "" {
			by = "by_host"
		}
		b.Run(by+"/scan", func(b *testing.B) {
			for b.Loop() {
				if _, err := Lookup(v, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(by+"/index", func(b *testing.B) {
			for b.Loop() {
				if _, err := lookup(q, ix.find); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
