package vault

import (
	"path/filepath"
	"testing"
)

// setupBig writes a 10,000-account vault encrypted to a plain X25519
// identity, so the figures exclude the one-time scrypt unlock.
func setupBig(b *testing.B, n int) (string, *Identity) {
	b.Helper()
	dir := b.TempDir()
	id := plainIdentity(b, dir)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, bigVault(1, id.Recipient).Recipients[0].Added)
	if err != nil {
		b.Fatal(err)
	}
	f.Vault = bigVault(n, id.Recipient)
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
	return path, id
}

func BenchmarkOpen10k(b *testing.B) {
	path, id := setupBig(b, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(path, id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave10k(b *testing.B) {
	path, id := setupBig(b, 10_000)
	f, err := OpenLocked(path, id)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		f.Vault.Accounts[0].Notes += "."
		if err := f.Save(); err != nil {
			b.Fatal(err)
		}
	}
}
