//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mbsyncWithCommands writes an mbsync config whose accounts get their
// passwords from commands: one shared by two accounts (must run once),
// one that hangs, one that fails.
func mbsyncWithCommands(s *sandbox) (cfg, counter string) {
	s.t.Helper()
	secret := s.writeImport("secret", importSentinel+"\n")
	counter = filepath.Join(s.dir, "runs")
	ok := "echo run >> " + counter + "; cat " + secret
	cfg = s.writeImport("mbsyncrc", `# two accounts share one command
IMAPAccount one
Host imap.one.example
User u1
PassCmd "`+ok+`"

IMAPAccount two
Host imap.two.example
User u2
PassCmd "`+ok+`"

IMAPAccount hang
Host imap.hang.example
User u3
PassCmd "sleep 600"

IMAPAccount fail
Host imap.fail.example
User u4
PassCmd "printf 'no such entry\\033[2J\\n' >&2; exit 3"
`)
	return cfg, counter
}

func TestImportPasswordCommands(t *testing.T) {
	s := newSandbox(t)
	s.init()
	cfg, counter := mbsyncWithCommands(s)
	r := s.onTerminal("y", "import", "--from", "mbsync", cfg, "--command-timeout", "2s", "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	runs, _ := os.ReadFile(counter)
	if strings.Count(string(runs), "run") != 1 {
		t.Errorf("the shared command ran %d times, want once", strings.Count(string(runs), "run"))
	}
	if !strings.Contains(r.stderr, "3 password commands will run") || !strings.Contains(r.stderr, "sleep 600") {
		t.Errorf("the commands were not shown before running:\n%s", r.stderr)
	}
	for _, want := range []string{
		"added        one  u1@imap.one.example:993 tls  password: from its command",
		"added        hang  u3@imap.hang.example:993 tls  no password: the password command timed out and was killed after 2s",
		"added        fail  u4@imap.fail.example:993 tls  no password: the password command exited with status 3; it said: no such entry",
		"summary: 4 added, 0 updated, 0 skipped, 2 passwords missing",
		"imapvault client-config mbsync one",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if a := decryptedAccount(t, s, "two"); a.Password != importSentinel {
		t.Errorf("two's password is %q", a.Password)
	}
	if a := decryptedAccount(t, s, "hang"); a.Password != "" {
		t.Error("the hung command left a password")
	}
	if strings.Contains(r.stdout+r.stderr, importSentinel) {
		t.Error("a password reached the output")
	}
	if strings.ContainsRune(r.stdout+r.stderr, 0x1b) {
		t.Error("a command's stderr reached the terminal unsanitized")
	}
	if strings.Contains(string(readFile(t, s.vault)), importSentinel) {
		t.Error("the password is in the vault file in plaintext")
	}
}

func TestImportPasswordCommandsNeedConsent(t *testing.T) {
	s := newSandbox(t)
	s.init()
	cfg, counter := mbsyncWithCommands(s)
	r := s.onTerminal("n", "import", "--from", "mbsync", cfg, "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(counter); !os.IsNotExist(err) {
		t.Error("a password command ran although the answer was no")
	}
	if !strings.Contains(r.stdout, "summary: 4 added, 0 updated, 0 skipped, 4 passwords missing") || !strings.Contains(r.stdout, "not run (you said no)") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	// A dry run never runs them either.
	s2 := newSandbox(t)
	s2.init()
	cfg2, counter2 := mbsyncWithCommands(s2)
	r = s2.must("y\n", "import", "--from", "mbsync", cfg2, "--dry-run", "--yes", "--passphrase-file", s2.passFile)
	if _, err := os.Stat(counter2); !os.IsNotExist(err) || !strings.Contains(r.stdout, "password: from its command (not run in a dry run)") ||
		!strings.Contains(r.stdout, "summary: 4 added, 0 updated, 0 skipped, 0 passwords missing (dry run: nothing written)") {
		t.Errorf("dry run ran a command or did not say so:\n%s", r.stdout)
	}
}

// A dry run shows the commands it would run, whole and sanitized, as the
// consent prompt shows them, and runs none.
func TestImportDryRunShowsTheCommands(t *testing.T) {
	s := newSandbox(t)
	s.init()
	cfg, counter := mbsyncWithCommands(s)
	r := s.noTerminal("", "import", "--from", "mbsync", cfg, "--dry-run", "--passphrase-file", s.passFile)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := "3 password commands will run, once each, without stdin, killed after 30s:\n" +
		"  for one, two:\n    `echo run >> " + counter + "; cat " + filepath.Join(s.dir, "secret") + "`\n" +
		"  for hang:\n    `sleep 600`\n" +
		"  for fail:\n    `printf 'no such entry\\033[2J\\n' >&2; exit 3`\n"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("the dry run does not show the commands as the prompt does:\n%s\nwant\n%s", r.stdout, want)
	}
	if _, err := os.Stat(counter); !os.IsNotExist(err) {
		t.Error("a dry run ran a command")
	}
}

// #29 item 4: a scripted import (no terminal) without --yes imports
// nothing that needs a command, exits 1 and says to re-run with --yes;
// it never says "you said no" when nobody was asked. A piped "y" is not
// consent. Re-run with --yes, the held accounts are added.
func TestImportWithoutTerminalHoldsCommandAccounts(t *testing.T) {
	s := newSandbox(t)
	s.init()
	cfg, counter := mbsyncWithCommands(s)
	plain := s.writeImport("plain.mbsyncrc", "IMAPAccount literal\nHost imap.lit.example\nUser u9\nPass "+importSentinel+"-lit\n")
	combined := s.writeImport("all.mbsyncrc", string(readFile(t, cfg))+"\n"+string(readFile(t, plain)))
	for _, stdin := range []string{"", "y\n"} {
		r := s.noTerminal(stdin, "import", "--from", "mbsync", combined, "--passphrase-file", s.passFile)
		if r.code != 1 {
			t.Fatalf("stdin %q: exit %d, want 1\n%s\n%s", stdin, r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(counter); !os.IsNotExist(err) {
			t.Fatal("a command ran without consent")
		}
		if strings.Contains(r.stdout+r.stderr, "you said no") || strings.Contains(r.stderr, "[y/N]") {
			t.Errorf("it asked, or says someone said no:\n%s\n%s", r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "imapvault: error: 4 accounts were not added") || !strings.Contains(r.stderr, "imapvault: hint: re-run with --yes ") {
			t.Errorf("stderr:\n%s", r.stderr)
		}
	}
	got := s.listJSON()
	if len(got) != 1 || got[0]["name"] != "literal" {
		t.Fatalf("vault holds %v, want only literal", got)
	}
	// With --update the hint says --yes --update.
	r := s.noTerminal("", "import", "--from", "mbsync", combined, "--update", "--passphrase-file", s.passFile)
	if r.code != 1 || !strings.Contains(r.stderr, "re-run with --yes --update ") {
		t.Errorf("--update: exit %d\n%s", r.code, r.stderr)
	}
	r = s.noTerminal("", "import", "--from", "mbsync", combined, "--yes", "--command-timeout", "2s", "--passphrase-file", s.passFile)
	if r.code != 0 || !strings.Contains(r.stdout, "summary: 4 added, 0 updated, 1 skipped") {
		t.Fatalf("--yes: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if a := decryptedAccount(t, s, "two"); a.Password != importSentinel {
		t.Errorf("two's password is %q", a.Password)
	}
}
