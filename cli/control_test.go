//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// A password with a control character (ESC, BEL, DEL, C1, any C0) is a
// command to the terminal it is printed on and a cut in a line-based hook
// or file: add, edit, import and rotate refuse it, naming the position and
// never the password.
func TestControlCharactersInPasswordsRefused(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "Ctl-Good-pw-1")
	bad := []struct{ pw, want string }{
		{"Zq8\x1b]52;c;cHduZWQ=\x07", "(ESC) at character 4"},
		{"Zq8vbell\x07", "(BEL) at character 9"},
		{"Zq8\x7fdel", "(DEL) at character 4"},
		{"Zq8\u0085nel", "(U+0085) at character 4"},
		{"Zq8\ttab", "(tab) at character 4"},
	}
	for _, tc := range bad {
		for _, args := range [][]string{
			{"add", "--name", "new", "--host", "imap.new.example", "--user", "u", "--password-stdin"},
			{"edit", "work", "--password-stdin"},
		} {
			r := s.run(tc.pw+"\n", append(args, "--passphrase-file", s.passFile)...)
			if r.code != exitFailure || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%s with %q: exit %d, want 2 and %q\n%s", args[0], tc.pw, r.code, tc.want, r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, tc.pw[3:7]) {
				t.Errorf("%s: the output quotes the password:\n%s", args[0], r.stderr)
			}
		}
		csv := s.writeImport("ctl.csv", "name,host,port,security,username,password,changed\nimp,imap.imp.example,993,tls,u,"+tc.pw+",\n")
		if r := s.run("", "import", csv, "--passphrase-file", s.passFile); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("import with %q: exit %d, want a refusal with %q\n%s", tc.pw, r.code, tc.want, r.stderr)
		}
	}
	names := s.must("", "list", "--passphrase-file", s.passFile).stdout
	if strings.Contains(names, "new") || strings.Contains(names, "imp") {
		t.Errorf("a refused password's account was saved:\n%s", names)
	}
	if r := s.must("", "get", "work", "--passphrase-file", s.passFile); r.stdout != "Ctl-Good-pw-1\n" {
		t.Errorf("edit changed the password: %q", r.stdout)
	}
}

// A vault saved before the refusal may hold such a password: it still
// opens and edits, get prints it exactly to a pipe (a mail client needs
// it whole) and refuses to print it to a terminal.
func TestLegacyControlPassword(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "Legacy-placeholder")
	legacy := "Lg7\x1b[2J\x1b]0;pwned\x07tail"
	id, err := vault.LoadIdentity(s.identity, func() ([]byte, error) { return []byte("test passphrase"), nil })
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.OpenLocked(s.vault, id)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("work").Password = legacy
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	if r := s.must("", "get", "work", "--passphrase-file", s.passFile); r.stdout != legacy+"\n" {
		t.Errorf("get to a pipe: %q, want the stored bytes exactly", r.stdout)
	}
	s.must("", "edit", "work", "--notes", "still editable", "--passphrase-file", s.passFile)

	ptm, pts := openPTY(t)
	defer ptm.Close()
	cmd := exec.Command(os.Args[0], "get", "work", "--passphrase-file", s.passFile)
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_SCRYPT=1",
		"IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity,
		"XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"), "XDG_STATE_HOME="+filepath.Join(s.dir, "xdg-state"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = pts, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Run()
	pts.Close()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != exitFailure || !strings.Contains(stderr.String(), "control character at character 4") ||
		!strings.Contains(stderr.String(), "hint: a pipe gets it exactly") {
		t.Fatalf("get to a terminal: exit %d, want 2 and the refusal\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "Lg7") || strings.Contains(stderr.String(), "pwned") {
		t.Fatalf("the refusal quotes the password:\n%s", stderr.String())
	}
}
