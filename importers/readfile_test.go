//go:build unix

package importers

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A Thunderbird profile's prefs.js, logins.json and key4.db are read only
// as regular files within a cap: a FIFO does not hang the import, an
// oversized file is refused before it is read whole.
func TestThunderbirdFilesAreCapped(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o600) }, "not a regular file"},
		{"oversized", func(p string) error {
			f, err := os.Create(p)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.Truncate(MaxPrefsBytes + 1) // sparse: costs no disk
		}, "larger than 32768 KiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			profile := t.TempDir()
			if err := tc.make(filepath.Join(profile, "prefs.js")); err != nil {
				t.Fatal(err)
			}
			_, err := ReadThunderbird(profile, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadThunderbird: %v, want %q", err, tc.want)
			}
		})
	}
	for _, max := range []int{MaxLoginsBytes, MaxKey4Bytes} {
		p := filepath.Join(t.TempDir(), "f")
		f, _ := os.Create(p)
		f.Truncate(int64(max) + 1)
		f.Close()
		if _, err := readRegular(p, max); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("a file over %d bytes: %v", max, err)
		}
	}
}
