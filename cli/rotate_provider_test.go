//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

const provPw = "Provider-Made-Sentinel-2r&J"

// --new-password-stdin: a password that logs in is committed, and the
// account's after command runs (with no secret); one that does not log in
// stays pending, the old password current and still logging in, and the
// after command does not run.
func TestRotateNewPasswordStdin(t *testing.T) {
	for _, takes := range []bool{true, false} {
		t.Run(map[bool]string{true: "taken", false: "refused"}[takes], func(t *testing.T) {
			s := newRotSandbox(t, "work")
			out := filepath.Join(t.TempDir(), "after")
			s.must("", "edit", "work", "--after", `env > '`+out+`.env'; cat > '`+out+`.stdin'; tr '\0' ' ' < /proc/$$/cmdline > '`+out+`.argv'`)
			if takes {
				s.servers["work"].SetPassword(rotUser, provPw) // the person made an app password
			}
			verify := testwait.Patience.String()
			if !takes {
				verify = "2s" // it fails whatever the wait
			}
			r := s.exec(provPw+"\n", &syscall.SysProcAttr{Setsid: true}, "rotate", "work", "--new-password-stdin", "--verify-timeout", verify)
			assertNoRotSecret(t, r, provPw)
			a := s.account("work")
			if !takes {
				if r.code != 1 || !strings.Contains(r.stderr, "the new password did not log in") {
					t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				if a.Password != rotOld || a.Pending == nil || a.Pending.Password != provPw || a.Pending.State != vault.PendingApplied {
					t.Fatalf("want old current and the provider's password pending; pending %+v", a.Pending)
				}
				if c := s.runDetached("check", "work"); c.code != 0 {
					t.Fatalf("the old password no longer logs in: %s%s", c.stdout, c.stderr)
				}
				if _, err := os.Stat(out + ".env"); !os.IsNotExist(err) {
					t.Fatal("the after command ran after a failed verification")
				}
				// --resume once the provider has it, as for a generated one.
				s.servers["work"].SetPassword(rotUser, provPw)
				if r := s.runDetached("rotate", "work", "--resume", "--verify-timeout", testwait.Patience.String()); r.code != 0 {
					t.Fatalf("resume: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				if a := s.account("work"); a.Password != provPw || a.Pending != nil {
					t.Fatal("resume did not commit the provider's password")
				}
				return
			}
			if r.code != 0 || !strings.Contains(r.stdout, "work: committed") {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if a.Password != provPw || a.Pending != nil || a.History[len(a.History)-1].Password != rotOld {
				t.Fatal("the provider's password was not committed with the old one in history")
			}
			for _, f := range []string{".env", ".stdin", ".argv"} {
				b, err := os.ReadFile(out + f)
				if err != nil {
					t.Fatalf("the after command did not run: %v", err)
				}
				if bytes.Contains(b, []byte(provPw)) || bytes.Contains(b, []byte(rotOld)) {
					t.Errorf("the after command's %s holds a password", f)
				}
				if f == ".stdin" && len(b) != 0 {
					t.Errorf("the after command got %d bytes on stdin", len(b))
				}
			}
		})
	}
}

func TestRotateNewPasswordStdinRefused(t *testing.T) {
	s := newRotSandbox(t, "work")
	for _, tc := range []struct{ stdin, want string }{
		{"\n", "empty"},
		{"abc\rdef\n", "(carriage return) at character 4"},
		{"abc\x00def\n", "(NUL) at character 4"},
		{"abc\x1b]52;c;eA==\x07\n", "(ESC) at character 4"},
		{"abcdef\x07\n", "(BEL) at character 7"},
		{"ab\x7fcdef\n", "(DEL) at character 3"},
		{"ab\u009bcdef\n", "(CSI) at character 3"},
		{rotOld + "\n", "the current password"},
	} {
		r := s.exec(tc.stdin, &syscall.SysProcAttr{Setsid: true}, "rotate", "work", "--new-password-stdin")
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("stdin %q: exit %d, want 2 and %q\n%s", tc.stdin, r.code, tc.want, r.stderr)
		}
	}
	if r := s.runDetached("rotate", "work", "other", "--new-password-stdin"); r.code != 2 {
		t.Errorf("two names with --new-password-stdin: exit %d", r.code)
	}
	if a := s.account("work"); a.Pending != nil || a.Password != rotOld {
		t.Fatal("a refused password changed the account")
	}
}

// An account whose provider makes its passwords asks for the paste in the
// terminal, without echo, and goes on as with --new-password-stdin.
func TestRotateProviderPasteOnTerminal(t *testing.T) {
	s := newRotSandbox(t, "work")
	s.must("", "edit", "work", "--password-source", "provider")
	if a := s.account("work"); a.Policy == nil || a.Policy.Source != vault.SourceProvider {
		t.Fatal("--password-source provider was not stored")
	}
	if r := s.runDetached("rotate", "work"); r.code != 2 || !strings.Contains(r.stderr, "--new-password-stdin") {
		t.Fatalf("no terminal: exit %d\n%s", r.code, r.stderr)
	}
	s.servers["work"].SetPassword(rotUser, provPw)
	ptm, pts := openPTY(t)
	cmd := exec.Command(os.Args[0], "rotate", "work", "--verify-timeout", testwait.Patience.String())
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity)
	var out bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, &out, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	screen := &screenLog{}
	go func() { _, _ = copyAll(screen, ptm) }()
	t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })
	prompt := regexp.MustCompile(`New password \(not shown\): `)
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool { return prompt.MatchString(screen.String()) }) {
		t.Fatalf("no paste prompt:\n%q", screen.String())
	}
	ptm.Write([]byte(provPw + "\r"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("rotate: %v\n%s\n%q", err, out.String(), screen.String())
		}
	case <-time.After(testwait.Patience):
		t.Fatal("rotate did not finish after the paste")
	}
	if strings.Contains(screen.String(), provPw) || strings.Contains(out.String(), provPw) {
		t.Error("the pasted password was echoed")
	}
	if a := s.account("work"); a.Password != provPw || a.Pending != nil {
		t.Fatal("the pasted password was not committed")
	}
}

// A batch ends with a table: committed, pending (why), failed.
func TestRotateBatchTable(t *testing.T) {
	s := newRotSandbox(t, "alpha", "bravo", "charlie")
	if r := s.exec(provPw+"\n", &syscall.SysProcAttr{Setsid: true}, "rotate", "charlie", "--new-password-stdin", "--verify-timeout", "1s"); r.code != 1 {
		t.Fatalf("charlie: exit %d", r.code)
	}
	hook := s.relayHook(func(name string) bool { return name != "bravo" })
	r := s.runDetached("rotate", "alpha", "bravo", "charlie", "--verify-timeout", "1s", "--hook", hook)
	if r.code != 2 { // charlie's refusal to start twice is a usage error
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, row := range []string{`(?m)^ACCOUNT +RESULT +WHY$`, `(?m)^alpha +committed *$`,
		`(?m)^bravo +pending +stopped at applied, old password still current: the new password did not log in`,
		`(?m)^charlie +failed +.*rotation pending`, `1 committed, 1 pending, 1 failed \(of 3\)`} {
		if !regexp.MustCompile(row).MatchString(r.stdout) {
			t.Errorf("stdout lacks %s:\n%s", row, r.stdout)
		}
	}
	assertNoRotSecret(t, r, provPw, s.account("alpha").Password)
}
