//go:build unix

package cli

import (
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"golang.org/x/sys/unix"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
)

// A real neomutt, started once, logs in with the config client-config
// prints (the account's CA file as ssl_ca_certificates_file); the
// password rotates at Dovecot and in the vault; the same running neomutt
// then opens another mailbox of the account on a new connection and logs
// in with the new password, no restart. (With `set imap_pass` read once
// at start-up, the old form, that login fails.)
func TestNeomuttFollowsRotation(t *testing.T) {
	neomutt := testimap.LookBin(t, "neomutt", "neomutt")
	const user, oldPw, newPw = "nmuser", "Neomutt-Old-pw-5t8w", "Neomutt-New-pw-2q7r"
	name := `o'k $HOME "q"` // both quoting layers of the hook must carry it
	s := newSandbox(t)
	s.plainIdentity()
	caPath := writeTestCA(t, s)
	d := testimap.StartDovecot(t, map[string]string{user: oldPw})
	createMailbox(t, d, user, oldPw, "Other")
	logins := func() int { return strings.Count(d.Log(), "Login: user=<"+user+">") }
	failures := func() int { return strings.Count(d.Log(), "auth failed") }
	created := logins()
	s.must("", "init")
	s.must(oldPw+"\n", "add", "--name", name, "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()), "--security", "tls",
		"--user", user, "--password-stdin", "--ca-file", caPath)

	bin := filepath.Join(s.dir, "bin")
	os.MkdirAll(bin, 0o700)
	os.WriteFile(filepath.Join(bin, "imapvault"), []byte("#!/bin/sh\nexec \"$IMAPVAULT_TEST_BIN\" \"$@\"\n"), 0o700)
	cfgText := s.must("", "client-config", "neomutt", name).stdout
	cfg := filepath.Join(s.dir, "neomuttrc")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}

	ptm, pts := openPTY(t)
	cmd := exec.Command(neomutt, "-n", "-F", cfg)
	cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + s.dir, "TERM=xterm", "LANG=C.UTF-8",
		"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_BIN=" + os.Args[0], "XDG_RUNTIME_DIR=" + filepath.Join(s.dir, "run")}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	screen := &screenLog{}
	go func() { _, _ = copyAll(screen, ptm) }()
	t.Cleanup(func() { unix.Kill(-cmd.Process.Pid, unix.SIGKILL); cmd.Wait(); ptm.Close() })
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("neomutt: no %s\nscreen: %q\n%s\nconfig:\n%s", what, tail(screen.String()), d.Log(), cfgText)
			}
		}
	}
	waitFor("first login", func() bool { return logins() > created })
	// Settled: the index is drawn (its status line names the mailbox).
	waitFor("index", func() bool { return strings.Contains(screen.String(), "INBOX") })

	if err := d.SetPassword(user, newPw); err != nil {
		t.Fatal(err)
	}
	if r := s.run(newPw+"\n", "rotate", name, "--new-password-stdin"); r.code != 0 {
		t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	before, failedBefore := logins(), failures()

	// A new connection in the same neomutt: change to the other mailbox.
	fmt.Fprint(ptm, "c")
	waitFor("change-folder prompt", func() bool { return strings.Contains(screen.String(), "Open mailbox") })
	fmt.Fprint(ptm, "\x15=Other\r") // ^U clears any suggestion
	waitFor("login with the new password", func() bool { return logins() > before || failures() > failedBefore })
	if failures() > failedBefore {
		t.Fatalf("neomutt logged in with the old password after the rotation\n%s\nconfig:\n%s", d.Log(), cfgText)
	}
	for _, pw := range []string{oldPw, newPw} {
		if strings.Contains(cfgText, pw) || strings.Contains(screen.String(), pw) {
			t.Error("a password shows in the config or on neomutt's screen")
		}
	}
}

// createMailbox makes a mailbox at Dovecot for user.
func createMailbox(t *testing.T, d *testimap.Dovecot, user, pw, mbox string) {
	t.Helper()
	c, err := imapclient.DialTLS(fmt.Sprintf("127.0.0.1:%d", d.ImplicitPort()),
		&imapclient.Options{TLSConfig: &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(user, pw).Wait(); err != nil {
		t.Fatalf("login to create %s: %v", mbox, err)
	}
	if err := c.Create(mbox, nil).Wait(); err != nil {
		t.Fatalf("create %s: %v", mbox, err)
	}
	c.Logout().Wait()
}

// Real neomutt sends a message (batch mode) through the SMTP account-hook:
// its pattern matches the URL neomutt names the connection by, and the
// password command runs through both quoting layers.
func TestNeomuttSendsThroughTheHook(t *testing.T) {
	neomutt := testimap.LookBin(t, "neomutt", "neomutt")
	const user, pw = "sender@example.org", "Neomutt-Smtp-pw-3k9d"
	s, env := ccSandbox(t)
	caPath := writeTestCA(t, s)
	srv := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{user: pw}})
	s.must(pw+"\n", "edit", ccName, "--password-stdin", "--address", "me+box@example.org", "--smtp-host", srv.Host(),
		"--smtp-port", strconv.Itoa(srv.Port()), "--smtp-security", "tls", "--smtp-user", user, "--ca-file", caPath)
	cfg := writeConfig(t, s, "neomutt")
	cmd := exec.Command(neomutt, "-n", "-F", cfg, "-s", "hello", "--", "you@example.org")
	cmd.Env = append(env, "TERM=dumb")
	cmd.Stdin = strings.NewReader("body\n")
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil || srv.Mails() != 1 {
		t.Fatalf("neomutt send: %v, %d mails\n%s\nconfig:\n%s", err, srv.Mails(), out, readFile(t, cfg))
	}
	if strings.Contains(string(out), pw) {
		t.Error("the password shows in neomutt's output")
	}
}
