//go:build unix

package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// TestCheckDuringRotationIsNotRecorded: a check that runs while a rotation
// is under way logs in with the old password, which the hook has already
// replaced at the server. Its auth_failed must not become the account's
// last check (audit would call a working password a failed login). The
// hook sets the new password, then waits at a gate the test opens.
func TestCheckDuringRotationIsNotRecorded(t *testing.T) {
	s := newRotSandbox(t, "work")
	s.must("", "check", "work") // a true last check: ok
	dir := t.TempDir()
	relay, gate := filepath.Join(dir, "relay"), filepath.Join(dir, "gate")
	for _, p := range []string{relay, gate} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hook := `read -r old; read -r new; printf '%s\n' "$new" > '` + relay + `'; read -r go < '` + gate + `'`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := s.prepare(os.Args[0], "rotate", "work", "--hook", hook, "--verify-timeout", "60s")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()

	// The hook's new password reaches the server; the rotation is pending.
	fh, err := os.Open(relay)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(fh)
	if !sc.Scan() {
		t.Fatalf("the hook sent nothing: %s", out.String())
	}
	s.servers["work"].SetPassword(rotUser, sc.Text())
	fh.Close()

	// The check logs in with the old password while the rotation holds
	// the vault; it stores once the rotation has committed.
	check := s.prepare(os.Args[0], "check", "work")
	check.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var cout, cerr bytes.Buffer
	pr, pw, _ := os.Pipe()
	check.Stdout, check.Stderr = pw, &cerr
	if err := check.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	checked := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		seen := false
		for sc.Scan() {
			cout.WriteString(sc.Text() + "\n")
			if !seen && strings.Contains(sc.Text(), "auth_failed") {
				seen = true
				checked <- nil
			}
		}
		if !seen {
			checked <- errors.New("no auth_failed line")
		}
	}()
	select {
	case err := <-checked:
		if err != nil {
			t.Fatalf("the check with the old password: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the check printed no result")
	}
	g, err := os.OpenFile(gate, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("go\n")
	g.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("rotate: %v\n%s", err, out.String())
		}
	case <-ctx.Done():
		t.Fatalf("rotate did not finish:\n%s", out.String())
	}
	err = check.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("check: %v\n%s%s", err, cout.String(), cerr.String())
	}
	if !strings.Contains(cerr.String(), "not recorded as its last check: its password changed while it was being checked") {
		t.Errorf("the check does not say it was not recorded:\n%s", cerr.String())
	}
	if a := s.account("work"); a.Pending != nil || a.LastCheck == nil || a.LastCheck.Status != "ok" {
		t.Fatalf("after the commit: pending %v, last check %+v", a.Pending, a.LastCheck)
	}
	if a := s.run("", "audit", "--json"); strings.Contains(a.stdout, "login_failed") {
		t.Errorf("audit reports a failed login for a password that works:\n%s", a.stdout)
	}
}

// TestInterruptedCheckIsNotRecorded: Ctrl-C during a check that is still
// waiting for the server's greeting is no timeout of the account: the
// previous last check stays, and the command says the checks were cut short.
func TestInterruptedCheckIsNotRecorded(t *testing.T) {
	s := newRotSandbox(t, "work")
	s.must("", "check", "work")
	before := s.account("work").LastCheck
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept() // and never a greeting
		if err == nil {
			accepted <- c
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	s.must("", "edit", "work", "--host", "127.0.0.1", "--port", port)
	cmd := s.prepare(os.Args[0], "check", "work", "--timeout", "5m")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the check never connected")
	}
	cmd.Process.Signal(os.Interrupt)
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "interrupted") {
		t.Errorf("no word of the interruption:\n%s", out.String())
	}
	after := s.account("work").LastCheck
	if after == nil || after.Status != "ok" || !after.At.Equal(before.At) {
		t.Fatalf("the cancelled check replaced the last one: %+v", after)
	}
}

// TestCheckWithoutPassword: an account with no password stored (an import
// that had none) is not reported as a refused login, and no server is
// asked (its host does not even resolve).
func TestCheckWithoutPassword(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	id, err := vault.LoadIdentity(s.identity, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.OpenLocked(s.vault, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Vault.Add(&vault.Account{Name: "empty", Host: "imap.invalid", Username: "u"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.SaveMerged(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := s.run("", "check", "--json", "empty")
	if r.code != 1 || !strings.Contains(r.stdout, `"status": "no_password"`) || !strings.Contains(r.stdout, "no password stored") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	a := s.run("", "audit")
	if !strings.Contains(a.stdout, "no password is stored") || strings.Contains(a.stdout, "refused the stored password") {
		t.Errorf("audit:\n%s", a.stdout)
	}
}
