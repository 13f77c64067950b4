//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShowCommand(t *testing.T) {
	for _, tc := range []struct{ cmd, want string }{
		{"pass show mail/work", "`pass show mail/work`"},
		{"pass show x" + strings.Repeat(" ", 290) + "; touch PWNED", "`pass show x[290 spaces]; touch PWNED`"},
		{"a\tb\x1b[2Jc\x07", "`a\\tb\\x1b[2Jc\\x07`"},
		{"a\u00a0b\u200bc\u3000d\ufeffe", "`a\\u00a0b\\u200bc\\u3000d\\ufeffe`"},
		{"x\u202eevil", "`x\\u202eevil`"},
		{"x\xffy", "`x\\xffy`"},
		{"x\r\ny", "`x\\r\\ny`"},
		{"ünï 🔑", "`ünï 🔑`"},
	} {
		got, ok := showCommand(tc.cmd)
		if !ok || got != tc.want {
			t.Errorf("showCommand(%q) = %q, %v; want %q", tc.cmd, got, ok, tc.want)
		}
	}
	if _, ok := showCommand(strings.Repeat("x", maxShownCommand+1)); ok {
		t.Error("a command longer than the cap was shown")
	}
}

// The consent prompt shows every byte that will run and the accounts each
// command is for: a tail pushed past the old 300-character cap by spaces
// is on screen. A command too long to show whole never runs, even with
// --yes.
func TestImportConsentShowsTheWholeCommand(t *testing.T) {
	s := newSandbox(t)
	s.init()
	pwned := filepath.Join(s.dir, "PWNED")
	long := filepath.Join(s.dir, "LONG")
	secret := s.writeImport("secret", importSentinel+"\n")
	hidden := "cat " + secret + strings.Repeat(" ", 290) + "; touch " + pwned
	tooLong := "touch " + long + "; true " + strings.Repeat("x", maxShownCommand)
	cfg := s.writeImport("mbsyncrc", `IMAPAccount work
Host imap.work.example
User u1
PassCmd "`+hidden+`"

IMAPAccount huge
Host imap.huge.example
User u2
PassCmd "`+tooLong+`"
`)
	r := s.onTerminal("n", "import", "--from", "mbsync", cfg, "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "1 password commands will run") || !strings.Contains(r.stderr, "  for work:\n") ||
		!strings.Contains(r.stderr, "[290 spaces]; touch "+pwned+"`") {
		t.Errorf("the prompt hides part of the command or its account:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "true xxx") {
		t.Errorf("the too-long command was offered:\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "its password command is too long to show whole") {
		t.Errorf("stdout does not say why huge has no password:\n%s", r.stdout)
	}
	r = s.noTerminal("", "import", "--from", "mbsync", cfg, "--yes", "--update", "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("--yes: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(long); err == nil {
		t.Error("a command too long to show ran under --yes")
	}
}
