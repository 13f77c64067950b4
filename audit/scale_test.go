package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// sharedVault has n accounts all on one password, the case a hosting
// sysadmin audits most; retired more accounts have it in their history.
func sharedVault(n, retired int) *vault.Vault {
	v := vault.New()
	for i := range n + retired {
		a := &vault.Account{ID: fmt.Sprintf("id%05d", i), Name: fmt.Sprintf("m%05d", i), Host: "imap.example.com",
			Port: 993, Security: vault.TLS, Username: fmt.Sprintf("m%05d@example.com", i),
			Password: "Welcome2026!", Changed: daysAgo(i % 300)}
		if i >= n {
			a.Password = strongPw(uint64(i))
			a.History = []vault.RetiredPassword{{Password: "Welcome2026!", Retired: daysAgo(10)}}
		}
		v.Accounts = append(v.Accounts, a)
	}
	r := rand.New(rand.NewPCG(uint64(n), uint64(retired)))
	r.Shuffle(len(v.Accounts), func(i, j int) { v.Accounts[i], v.Accounts[j] = v.Accounts[j], v.Accounts[i] })
	return v
}

// TestRelatingAccountsIsNLogN counts the work of the checks that relate
// accounts to each other (reuse groups, retired passwords, removed
// recipients) on the shapes that made them quadratic, and holds it under
// c·n·log2(n). It counts steps, not time: the old reuse check walked a
// 20,000-account group once per account (400 million steps; a minute).
func TestRelatingAccountsIsNLogN(t *testing.T) {
	manyRemoved := func(accounts, recipients int) *vault.Vault {
		v := sharedVault(0, 0)
		for i := range accounts {
			v.Accounts = append(v.Accounts, &vault.Account{ID: fmt.Sprintf("id%05d", i), Name: fmt.Sprintf("m%05d", i),
				Password: strongPw(uint64(i)), Changed: daysAgo(i % 400)})
		}
		for i := range recipients {
			removed := daysAgo(499 - i%500) // oldest first: a scan in order finds the ones that count last
			v.Recipients = append(v.Recipients, vault.Recipient{Key: fmt.Sprintf("age1k%05d", i), Label: fmt.Sprintf("r%05d", i),
				Added: daysAgo(900), Removed: &removed})
		}
		return v
	}
	tests := []struct {
		name  string
		vault *vault.Vault
		check func(v *vault.Vault)
	}{
		{"one password on 20,000 accounts", sharedVault(20_000, 0), func(v *vault.Vault) { reusedFindings(v) }},
		{"10,000 on a password 10,000 others retired", sharedVault(10_000, 10_000), func(v *vault.Vault) { reusedFindings(v) }},
		{"5,000 accounts, 5,000 removed recipients", manyRemoved(5_000, 5_000), func(v *vault.Vault) { exposedFindings(v) }},
		{"ExposedTo 5,000 accounts, 5,000 keys", manyRemoved(5_000, 5_000), func(v *vault.Vault) {
			var keys []string
			for _, r := range v.Recipients {
				keys = append(keys, r.Key)
			}
			ExposedTo(v, keys)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(tt.vault.Accounts) + len(tt.vault.Recipients)
			var count int
			steps = &count
			defer func() { steps = nil }()
			tt.check(tt.vault)
			limit := int(4 * float64(n) * math.Log2(float64(n)))
			t.Logf("%d steps for n = %d (limit %d)", count, n, limit)
			if count == 0 || count > limit {
				t.Fatalf("%d steps for n = %d: want 1..%d (4·n·log2 n)", count, n, limit)
			}
		})
	}
}

// A large group's finding counts the others and names the first three; its
// group id is the same on every account and every run, changes with the
// vault's key, and is no plain hash of the password.
func TestLargeGroupFinding(t *testing.T) {
	v := sharedVault(20_000, 0)
	v.StrengthKey = strings.Repeat("5eed", 16)
	fs := reusedFindings(v)
	if len(fs) != 20_000 {
		t.Fatalf("%d findings, want 20,000", len(fs))
	}
	f := findingOf(fs, "m00001", Reused)
	want := "the same password is shared with 19,999 other accounts, e.g. m00000, m00002, m00003: give it a password of its own with `imapvault rotate m00001`"
	if f == nil || f.Message != want || f.Severity != High {
		t.Fatalf("finding = %+v\nwant message %q", f, want)
	}
	if f.Group == nil || f.Group.Size != 20_000 || len(f.Group.ID) != 32 {
		t.Fatalf("group = %+v, want size 20000 and a 32-digit id", f.Group)
	}
	id := f.Group.ID
	for _, g := range fs {
		if g.Group == nil || g.Group.ID != id {
			t.Fatalf("%s: group %+v, want id %s", g.Account, g.Group, id)
		}
	}
	if again := findingOf(reusedFindings(v), "m00001", Reused); again.Group.ID != id {
		t.Fatalf("id changed between runs: %s, then %s", id, again.Group.ID)
	}
	plain := sha256.Sum256([]byte("Welcome2026!"))
	if strings.Contains(hex.EncodeToString(plain[:]), id) {
		t.Fatal("the group id is a plain SHA-256 of the password")
	}
	v.StrengthKey = strings.Repeat("beef", 16)
	if other := findingOf(reusedFindings(v), "m00001", Reused); other.Group.ID == id {
		t.Fatal("the group id did not change with the vault's key")
	}
	v.StrengthKey = ""
	if none := findingOf(reusedFindings(v), "m00001", Reused); none.Group.ID != "" || none.Group.Size != 20_000 {
		t.Fatalf("without a key: group %+v, want the size and no id", none.Group)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 19_999: "19,999", 1_234_567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
