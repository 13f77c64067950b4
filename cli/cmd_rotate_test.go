//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

const (
	rotOld  = "Rq7xte-Olq-Szn9x1el-5v!Q" // no English word in it: errors redact every 4+ character piece
	rotUser = "rotor"
)

// rotSandbox is a sandbox with a plain identity, a vault, the test CA
// trusted, and one in-process server per account, all with rotOld.
type rotSandbox struct {
	*sandbox
	servers map[string]*testimap.Server
}

func newRotSandbox(t *testing.T, accounts ...string) *rotSandbox {
	t.Helper()
	s := &rotSandbox{sandbox: newSandbox(t), servers: map[string]*testimap.Server{}}
	trustTestCA(t, s.sandbox)
	s.plainIdentity()
	s.must("", "init")
	for _, name := range accounts {
		srv := testimap.Start(t, testimap.Options{Users: map[string]string{rotUser: rotOld}})
		s.servers[name] = srv
		s.must(rotOld+"\n", "add", "--name", name, "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()),
			"--user", rotUser, "--password-stdin", "--changed", "2020-01-02")
	}
	return s
}

// runDetached runs the command line without a controlling terminal, so
// that "no terminal" holds whoever runs the tests.
func (s *rotSandbox) runDetached(args ...string) result {
	s.t.Helper()
	return s.exec("", &syscall.SysProcAttr{Setsid: true}, args...)
}

func (s *rotSandbox) account(name string) *vault.Account {
	s.t.Helper()
	id, err := vault.LoadIdentity(s.identity, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	f, err := vault.Open(s.vault, id)
	if err != nil {
		s.t.Fatal(err)
	}
	return f.Vault.Find(name)
}

// relayHook returns a hook that passes "ACCOUNT NEWPASSWORD" through a
// named pipe to the test, which sets it on that account's server (unless
// take says no): no password on disk, argv or environment. The hook
// returns only once the test answers on a second pipe, after setting it:
// the rotation's first verify then finds the server changed, however
// late the test's goroutine ran.
func (s *rotSandbox) relayHook(take func(account string) bool) string {
	s.t.Helper()
	dir := s.t.TempDir()
	path, ack := filepath.Join(dir, "relay"), filepath.Join(dir, "ack")
	for _, p := range []string{path, ack} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			s.t.Fatal(err)
		}
	}
	go func() {
		for {
			fh, err := os.Open(path)
			if err != nil {
				return
			}
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				name, pw, _ := strings.Cut(sc.Text(), " ")
				if srv := s.servers[name]; srv != nil && (take == nil || take(name)) {
					srv.SetPassword(rotUser, pw)
				}
				if w, err := os.OpenFile(ack, os.O_WRONLY, 0); err == nil { // waits for the hook
					w.Write([]byte("\n"))
					w.Close()
				}
			}
			fh.Close()
		}
	}()
	s.t.Cleanup(func() {
		os.Remove(path)
		// A hook killed before it read its answer leaves the goroutine
		// waiting to open ack: let it.
		if r, err := os.OpenFile(ack, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
	})
	return `read -r old; read -r new; printf '%s %s\n' "$IMAPVAULT_ACCOUNT" "$new" > '` + path + `'; read -r _ < '` + ack + `'`
}

func assertNoRotSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, sec := range append(secrets, rotOld) {
		if sec != "" && (strings.Contains(r.stdout, sec) || strings.Contains(r.stderr, sec)) {
			t.Errorf("a password appears in the output:\n%s%s", r.stdout, r.stderr)
		}
	}
}

func TestRotateCommand(t *testing.T) {
	tests := []struct {
		name    string
		args    func(s *rotSandbox) []string
		code    int
		stdout  []string
		stderr  []string
		pending vault.PendingState // "" when committed; "-" when untouched
	}{
		{name: "hook sets it",
			args:   func(s *rotSandbox) []string { return []string{"rotate", "work", "--hook", s.relayHook(nil)} },
			stdout: []string{"work: the hook set the new password", "work: committed"}},
		{name: "hook fails",
			args: func(s *rotSandbox) []string {
				return []string{"rotate", "work", "--hook", `read -r old; read -r new; printf 'refused %s\n' "$new"; exit 5`}
			},
			code: 1, stdout: []string{"| refused [redacted]"},
			stderr:  []string{"error: account \"work\": hook exited with status 5", "hint: the old password is still current", "--resume --hook CMD"},
			pending: vault.PendingSaved},
		{name: "server never takes it",
			args: func(s *rotSandbox) []string {
				return []string{"rotate", "work", "--verify-timeout", "1s", "--hook", s.relayHook(func(string) bool { return false })}
			},
			code: 1, stdout: []string{"attempt 1: auth_failed"},
			stderr:  []string{"the new password did not log in", "'imapvault rotate work --resume'"},
			pending: vault.PendingApplied},
		{name: "no hook and no terminal",
			args: func(s *rotSandbox) []string { return []string{"rotate", "work"} }, code: 2,
			stderr: []string{"no --hook and no terminal", "hint: give --hook CMD"}, pending: "-"},
		{name: "no name", args: func(*rotSandbox) []string { return []string{"rotate", "--hook", "true"} }, code: 2,
			stderr: []string{"name the account"}, pending: "-"},
		{name: "unknown name", args: func(*rotSandbox) []string { return []string{"rotate", "nope", "--hook", "true"} }, code: 2,
			stderr: []string{`no account named "nope"`}, pending: "-"},
		{name: "resume and abort", args: func(*rotSandbox) []string { return []string{"rotate", "work", "--resume", "--abort"} }, code: 2,
			stderr: []string{"exclude each other"}, pending: "-"},
		{name: "bad length", args: func(*rotSandbox) []string { return []string{"rotate", "work", "--length", "5", "--hook", "true"} }, code: 2,
			stderr: []string{"--length 5 is outside 8-1024"}, pending: "-"},
		{name: "abort with nothing pending", args: func(*rotSandbox) []string { return []string{"rotate", "work", "--abort"} }, code: 2,
			stderr: []string{"no rotation is pending", "hint: start one"}, pending: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRotSandbox(t, "work")
			r := s.runDetached(tt.args(s)...)
			a := s.account("work")
			newPw := a.Password
			if a.Pending != nil {
				newPw = a.Pending.Password
			}
			assertNoRotSecret(t, r, newPw)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			switch tt.pending {
			case "":
				if a.Pending != nil || a.Password == rotOld || len(a.History) != 1 || a.History[0].Password != rotOld {
					t.Fatal("not committed with the old password in history")
				}
				if a.LastCheck == nil || a.LastCheck.Status != "ok" {
					t.Fatalf("last check %+v; want the login that verified the new password", a.LastCheck)
				}
			case "-":
				if a.Pending != nil || a.Password != rotOld {
					t.Fatal("the account changed although nothing should have happened")
				}
			default:
				if a.Pending == nil || a.Pending.State != tt.pending || a.Password != rotOld {
					t.Fatalf("pending %+v; want state %s with the old password current", a.Pending, tt.pending)
				}
			}
		})
	}
}

// A verification that failed is finished later with --resume, or dropped
// with --abort; a second rotation is refused meanwhile.
func TestRotateResumeAndAbort(t *testing.T) {
	s := newRotSandbox(t, "work", "home")
	never := s.relayHook(func(string) bool { return false })
	for _, name := range []string{"work", "home"} {
		if r := s.runDetached("rotate", name, "--verify-timeout", "1s", "--hook", never); r.code != 1 {
			t.Fatalf("rotate %s: exit %d, want 1\n%s", name, r.code, r.stderr)
		}
	}
	r := s.runDetached("rotate", "work", "--hook", "true")
	if r.code != 2 || !strings.Contains(r.stderr, "'imapvault rotate work --resume' finishes it") {
		t.Fatalf("second rotation: exit %d\n%s", r.code, r.stderr)
	}
	pending := s.account("work").Pending.Password
	s.servers["work"].SetPassword(rotUser, pending)                   // the provider took it after all
	r = s.runDetached("rotate", "--resume", "--verify-timeout", "1s") // every pending one
	assertNoRotSecret(t, r, pending)
	if r.code != 1 || !strings.Contains(r.stdout, "work: committed") || !strings.Contains(r.stdout, "1 committed, 1 pending, 0 failed (of 2)") {
		t.Fatalf("resume all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if a := s.account("work"); a.Password != pending || a.Pending != nil {
		t.Fatal("resume did not commit the pending password")
	}
	homePending := s.account("home").Pending.Password
	if r := s.runDetached("rotate", "home", "--abort"); r.code != 0 || !strings.Contains(r.stdout, "home: aborted") {
		t.Fatalf("abort: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a := s.account("home")
	if a.Password != rotOld || a.Pending != nil || a.History[len(a.History)-1].Password != homePending ||
		a.History[len(a.History)-1].Reason != "aborted rotation" {
		t.Fatal("abort lost the unverified password or changed the current one")
	}
}

// --finding picks the accounts from the audit; a batch goes on past a
// failure and ends with a summary.
func TestRotateBatchByFinding(t *testing.T) {
	s := newRotSandbox(t, "alpha", "bravo", "charlie")
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{rotUser: rotOld}})
	s.servers["fresh"] = srv
	s.must("Fresh-And-Long-Unique-pw-93!\n", "add", "--name", "fresh", "--host", srv.Host(), "--port", strconv.Itoa(srv.Port()),
		"--user", rotUser, "--password-stdin")
	hook := s.relayHook(func(name string) bool { return name != "bravo" })
	r := s.runDetached("rotate", "--finding", "stale", "--verify-timeout", "1s", "--hook", hook)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, w := range []string{"alpha: committed", "charlie: committed", "2 committed, 1 pending, 0 failed (of 3)"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "fresh") {
		t.Error("an account without the finding was rotated")
	}
	for _, name := range []string{"alpha", "charlie"} {
		assertNoRotSecret(t, r, s.account(name).Password)
	}
	assertNoRotSecret(t, r, s.account("bravo").Pending.Password)
}

// Without a hook, in a terminal, the new password is shown on the
// terminal's alternate screen — not on stdout, which here is a pipe — and
// the rotation waits for Enter.
func TestRotateByHandOnTerminal(t *testing.T) {
	s := newRotSandbox(t, "work")
	ptm, pts := openPTY(t)
	cmd := exec.Command(os.Args[0], "rotate", "work", "--verify-timeout", testwait.Patience.String())
	cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	screen := &screenLog{}
	go func() { _, _ = copyAll(screen, ptm) }()
	t.Cleanup(func() { cmd.Process.Kill(); ptm.Close() })

	shown := regexp.MustCompile(`pending:\r?\n\r?\n    (\S{24})\r?\n`)
	var pw string
	if !testwait.Until(time.Now().Add(testwait.Patience), func() bool {
		if m := shown.FindStringSubmatch(screen.String()); m != nil {
			pw = m[1]
		}
		return pw != ""
	}) {
		t.Fatalf("the new password never showed on the terminal:\n%q\n%s", screen.String(), errb.String())
	}
	if a := s.account("work"); a.Pending == nil || a.Pending.Password != pw {
		t.Fatal("the password on screen is not the one saved as pending")
	}
	s.servers["work"].SetPassword(rotUser, pw) // the person sets it at the provider
	ptm.Write([]byte("\r"))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("rotate exited with %v\n%s%s", err, out.String(), errb.String())
		}
	case <-time.After(testwait.Patience):
		t.Fatal("rotate did not finish after Enter")
	}
	screen.waitEnd(t)
	assertNoRotSecret(t, result{out.String(), errb.String(), 0}, pw)
	scr := screen.String()
	if enter, leave := strings.Index(scr, "\x1b[?1049h"), strings.LastIndex(scr, "\x1b[?1049l"); enter < 0 ||
		leave < strings.Index(scr, pw) || strings.Index(scr, pw) < enter {
		t.Errorf("the password was shown outside the alternate screen:\n%q", scr)
	}
	if a := s.account("work"); a.Password != pw || a.Pending != nil {
		t.Fatal("the password set by hand was not committed")
	}
}
