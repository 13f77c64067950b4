//go:build unix

package importers

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mutt's source is followed only into regular files, within a budget per
// file, in all and in number: /dev/zero, a FIFO and a file that sources
// itself eight times a line (8^9 reads) are refused at once, never run to exhaustion.
func TestMuttSourceIsBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(dir, "self")
	os.WriteFile(self, []byte(strings.Repeat("source "+self+" ", 8)+"\n"), 0o600)
	tiny := filepath.Join(dir, "tiny")
	os.WriteFile(tiny, []byte("# nothing\n"), 0o600)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxSourcedFileBytes)+"\n"), 0o600)
	var many []string
	for i := range 10 {
		p := filepath.Join(dir, "part"+string(rune('a'+i)))
		os.WriteFile(p, []byte("# "+strings.Repeat("y", MaxSourcedFileBytes-100)+"\n"), 0o600)
		many = append(many, p)
	}
	for _, tc := range []struct{ name, rc, want string }{
		{"device", "source /dev/zero\n", "not a regular file"},
		{"fifo", "source " + fifo + "\n", "not a regular file"},
		{"folder", "source " + dir + "\n", "not a regular file"},
		{"self eight times a line", "source " + self + "\n", "nests more than 10 deep"},
		{"seventy on one line", "source" + strings.Repeat(" "+tiny, 70) + "\n", "more than 64 files"},
		{"one big file", "source " + big + "\n", "larger than 1024 KiB"},
		{"many files", "source " + strings.Join(many, " ") + "\n", "more than 8 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("mutt", filepath.Join(dir, "muttrc"), []byte(tc.rc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse: %v, want %q", err, tc.want)
			}
		})
	}
	// Within the budgets, sourced files are followed as before.
	part := filepath.Join(dir, "account")
	os.WriteFile(part, []byte("set imap_user=u\nset folder=imaps://imap.example.com/\n"), 0o600)
	r, err := Parse("mutt", filepath.Join(dir, "muttrc"), []byte("source "+part+"\n"))
	if err != nil || len(r.Accounts) != 1 || r.Accounts[0].Username != "u" {
		t.Fatalf("a small sourced file: %+v, %v", r, err)
	}
}
