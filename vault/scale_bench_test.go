package vault

import (
	"bytes"
	"io"
	"os"
	"testing"

	"filippo.io/age"
)

// BenchmarkPhases100k splits the open and the save of a 100,000-account
// vault (about 50 MB of JSON) into their phases, to show where the time
// goes: reading the file, age's stream (decrypt, encrypt), the payload
// codec (parse, encode with its MAC), the MAC check, and the write with
// its fsyncs and backup link. "open" and "save" are the whole of each.
func BenchmarkPhases100k(b *testing.B) {
	path, id := setupBig(b, 100_000)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var plain []byte
	{
		r, err := age.Decrypt(bytes.NewReader(data), id.Identities...)
		if err != nil {
			b.Fatal(err)
		}
		if plain, err = io.ReadAll(r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(plain))/1e6, "MB-plain")
	b.Run("open", func(b *testing.B) {
		measure(b, func() {
			if _, err := Open(path, id); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("open/read_file", func(b *testing.B) {
		measure(b, func() {
			if _, _, err := readStamped(path); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("open/age_decrypt", func(b *testing.B) {
		measure(b, func() {
			r, err := age.Decrypt(bytes.NewReader(data), id.Identities...)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			buf.Grow(len(data))
			if _, err := buf.ReadFrom(r); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("open/parse", func(b *testing.B) {
		measure(b, func() {
			if _, _, err := parsePayload(bytes.Clone(plain)); err != nil {
				b.Fatal(err)
			}
		})
	})
	v, _, err := parsePayload(bytes.Clone(plain))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("open/mac_check", func(b *testing.B) {
		measure(b, func() {
			if _, err := checkMAC(v, plain); err != nil {
				b.Fatal(err)
			}
		})
	})
	f, err := OpenLocked(path, id)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	out, key := f.sealed()
	b.Run("save/encode", func(b *testing.B) {
		measure(b, func() {
			p, err := sealedPayload(out, key)
			if err != nil {
				b.Fatal(err)
			}
			clear(p)
		})
	})
	sealed, err := sealedPayload(out, key)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("save/age_encrypt", func(b *testing.B) {
		recips, err := ParseRecipients(out.ActiveRecipients())
		if err != nil {
			b.Fatal(err)
		}
		measure(b, func() {
			var buf bytes.Buffer
			buf.Grow(len(sealed) + 4096)
			w, err := age.Encrypt(&buf, recips...)
			if err != nil {
				b.Fatal(err)
			}
			w.Write(sealed)
			w.Close()
		})
	})
	b.Run("save/write_fsync", func(b *testing.B) {
		measure(b, func() {
			if err := writeAtomic(path+".bench", data); err != nil {
				b.Fatal(err)
			}
		})
		os.Remove(path + ".bench")
	})
	b.Run("save/backup_link", func(b *testing.B) {
		measure(b, func() {
			if err := backup(path, 5); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("save", func(b *testing.B) {
		measure(b, func() {
			f.Vault.Accounts[0].Notes += "."
			if err := f.Save(); err != nil {
				b.Fatal(err)
			}
		})
	})
}
