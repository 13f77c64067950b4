package importers

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/nsstest"
	"github.com/imapvault/imapvault/vault"
)

// BenchmarkKeePassXC1000 parses a 1,000-entry KeePassXC export and plans
// it against a vault that already holds 1,000 accounts.
func BenchmarkKeePassXC1000(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"` + "\n")
	v := vault.New()
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "\"Mail\",\"acct%04d\",\"user%d\",\"pw-%d\",\"imaps://imap%d.example\",\"note\",\"\",\"0\",\"2024-01-01T00:00:00Z\",\"2024-01-01T00:00:00Z\"\n", i, i, i, i)
		v.Accounts = append(v.Accounts, &vault.Account{Name: fmt.Sprintf("old%04d", i), Host: fmt.Sprintf("old%d.example", i), Port: 993, Username: "u"})
	}
	data := []byte(sb.String())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ParseKeePassXC("bench.csv", data)
		if err != nil || len(res.Accounts) != 1000 {
			b.Fatalf("%v %d", err, len(res.Accounts))
		}
		if steps := Plan(v, res.Accounts, false); len(steps) != 1000 || steps[999].Action != Add {
			b.Fatal("plan")
		}
	}
}

// BenchmarkThunderbird1000 reads a 1,000-account profile made by real NSS
// (1,000 IMAP servers in prefs.js, 1,000 logins in logins.json).
func BenchmarkThunderbird1000(b *testing.B) {
	var servers []nsstest.Server
	for i := 0; i < 1000; i++ {
		servers = append(servers, nsstest.Server{ID: fmt.Sprintf("server%d", i+1), Name: fmt.Sprintf("acct%04d", i),
			Host: fmt.Sprintf("imap%d.example", i), User: fmt.Sprintf("user%d", i), Pass: fmt.Sprintf("pw-%d", i), SocketType: 3, Type: "imap"})
	}
	dir := nsstest.MakeProfile(b, "bench primary", false, servers)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ReadThunderbird(dir, func() ([]byte, error) { return []byte("bench primary"), nil })
		if err != nil || len(res.Accounts) != 1000 || res.Accounts[999].Password != "pw-999" {
			b.Fatalf("%v", err)
		}
	}
}

// BenchmarkPlanApply imports n new accounts into a vault of n: planning
// and applying must grow with n, not n² (each Add scanned every name, so
// 100k took hours).
func BenchmarkPlanApply(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			base := make([]*vault.Account, n)
			for i := range base {
				base[i] = &vault.Account{ID: fmt.Sprint(i), Name: fmt.Sprintf("old%06d", i), Host: fmt.Sprintf("old%d.example", i), Port: 993, Security: vault.TLS, Username: "u"}
			}
			accts := make([]Account, n)
			for i := range accts {
				accts[i] = Account{Name: fmt.Sprintf("new%06d", i), Host: fmt.Sprintf("imap%d.example", i), Port: 993, Security: vault.TLS, Username: "u", Password: "pw"}
			}
			now := time.Now()
			b.ResetTimer()
			for range b.N {
				v := vault.New()
				v.Accounts = append([]*vault.Account(nil), base...)
				steps := Plan(v, accts, false)
				if err := Apply(v, steps, now, time.Time{}); err != nil || len(v.Accounts) != 2*n {
					b.Fatalf("%v %d", err, len(v.Accounts))
				}
			}
		})
	}
}
