package vault

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// setupBig writes an n-account vault encrypted to a plain X25519
// identity, so the figures exclude the one-time scrypt unlock.
func setupBig(b *testing.B, n int) (string, *Identity) {
	b.Helper()
	dir := b.TempDir()
	id := plainIdentity(b, dir)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	f.Vault = bigVault(n, id.Recipient)
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
	return path, id
}

// measure runs op in b.Loop and adds CPU time per op to the report.
func measure(b *testing.B, op func()) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		op()
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkOpen10k: read, hash, decrypt and decode a 10,000-account vault
// (4.5 MB of JSON). Goal: under 50 ms.
func BenchmarkOpen10k(b *testing.B) {
	path, id := setupBig(b, 10_000)
	measure(b, func() {
		if _, err := Open(path, id); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkSave10k: conflict check, encode, encrypt, backup, temp file,
// fsync, rename, folder fsync. Goal: under 50 ms.
func BenchmarkSave10k(b *testing.B) {
	path, id := setupBig(b, 10_000)
	f, err := OpenLocked(path, id)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	measure(b, func() {
		f.Vault.Accounts[0].Notes += "."
		if err := f.Save(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkPayload10k compares the payload codec with encoding/json.
func BenchmarkPayload10k(b *testing.B) {
	v := bigVault(10_000, "age1x")
	plain, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode/codec", func(b *testing.B) {
		measure(b, func() {
			if _, ok := parseVault(plain); !ok {
				b.Fatal("codec gave up")
			}
		})
	})
	b.Run("decode/encoding_json", func(b *testing.B) {
		measure(b, func() {
			if err := json.Unmarshal(plain, new(Vault)); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("encode/codec", func(b *testing.B) {
		measure(b, func() {
			if _, err := marshalPayload(v); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("encode/encoding_json", func(b *testing.B) {
		measure(b, func() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		})
	})
}
