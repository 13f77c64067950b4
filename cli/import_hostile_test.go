//go:build unix

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A dry run follows mutt's source within the same bounds as an import: a
// FIFO (which would hang it) or /dev/zero (which would fill memory) is
// refused at once and nothing is imported.
func TestImportDryRunBoundsMuttSource(t *testing.T) {
	s := newSandbox(t)
	s.init()
	fifo := filepath.Join(s.dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{fifo, "/dev/zero"} {
		rc := s.writeImport("muttrc", "set folder=imaps://imap.example.com/\nsource "+src+"\n")
		r := s.run("", "import", "--from", "mutt", rc, "--dry-run", "--passphrase-file", s.passFile)
		if r.code != exitFailure || !strings.Contains(r.stderr, "not a regular file") {
			t.Errorf("source %s: exit %d\n%s", src, r.code, r.stderr)
		}
	}
}
