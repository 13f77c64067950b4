package vault

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
)

func init() { ScryptWorkFactor = 10 }

// sentinelPassword is a password no test output or file outside the
// ciphertext may ever contain.
const sentinelPassword = "SENTINEL-pw-7f3a9c2e-do-not-leak"

// plainIdentity writes a fresh unencrypted X25519 identity file in dir and
// loads it, so tests pay no scrypt cost.
func plainIdentity(tb testing.TB, dir string) *Identity {
	tb.Helper()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "identity.txt")
	body := fmt.Sprintf("# public key: %s\n%s\n", k.Recipient(), k)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
	id, err := LoadIdentity(path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// bigVault returns a vault of n realistic accounts, every fifth with some
// password history and a last check, encrypted to recipient.
func bigVault(n int, recipient string) *Vault {
	base := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	v := New()
	v.Recipients = []Recipient{{Key: recipient, Label: "bench", Added: base, AddedBy: "bench@host"}}
	v.Accounts = make([]*Account, 0, n)
	for i := range n {
		t := base.Add(time.Duration(i) * time.Minute)
		a := &Account{
			ID:       fmt.Sprintf("%016x", i+1),
			Name:     fmt.Sprintf("mailbox-%05d", i),
			Host:     fmt.Sprintf("imap%d.example-%d.com", i%7, i%300),
			Port:     993,
			Security: TLS,
			Username: fmt.Sprintf("user%05d@example-%d.com", i, i%300),
			Password: fmt.Sprintf("Xq7!vR%05d-kLm2#pZt9@wE", i),
			Created:  t, Changed: t, Modified: t,
			Tags: []string{"team", fmt.Sprintf("dept-%d", i%12)},
		}
		if i%5 == 0 {
			a.Notes = "shared mailbox; ask ops before rotating"
			a.History = []RetiredPassword{
				{Password: fmt.Sprintf("old-%05d-a", i), Set: t.AddDate(-2, 0, 0), Retired: t.AddDate(-1, 0, 0), Reason: "rotated"},
				{Password: fmt.Sprintf("old-%05d-b", i), Set: t.AddDate(-1, 0, 0), Retired: t, Reason: "edited"},
			}
			a.LastCheck = &Check{
				At: t, Status: "ok", LatencyMS: 84, ConnectMS: 12, TLSMS: 30, GreetingMS: 2, LoginMS: 40,
				Greeting:     "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.",
				TLS:          &TLSInfo{Version: "TLS 1.3", Subject: "CN=imap.example.com", Issuer: "CN=R11,O=Let's Encrypt,C=US", NotAfter: t.AddDate(0, 3, 0), DaysLeft: 80},
				Capabilities: []string{"IMAP4rev1", "IDLE", "ID", "ENABLE"},
			}
		}
		v.Accounts = append(v.Accounts, a)
	}
	return v
}

// snapshot is every regular file under a folder, by relative path.
type snapshot map[string][]byte

func takeSnapshot(tb testing.TB, dir string) snapshot {
	tb.Helper()
	s := snapshot{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s[rel] = b
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// diff names files added, removed or changed between two snapshots.
func (s snapshot) diff(after snapshot) []string {
	var out []string
	for k, b := range s {
		a, ok := after[k]
		switch {
		case !ok:
			out = append(out, "removed "+k)
		case !bytes.Equal(a, b):
			out = append(out, "changed "+k)
		}
	}
	for k := range after {
		if _, ok := s[k]; !ok {
			out = append(out, "added "+k)
		}
	}
	return out
}

func mode(tb testing.TB, path string) fs.FileMode {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Mode().Perm()
}

// newTestX25519 returns the identities of a fresh in-memory X25519 key.
func newTestX25519() ([]age.Identity, error) {
	k, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	return []age.Identity{k}, nil
}
