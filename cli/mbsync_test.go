//go:build unix

package cli

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

const (
	mbOld  = "Mbsync-Old-Sentinel-9q!Z"
	mbUser = "mbuser"
	mbName = "o'k mail" // a quote and a space: the generated config must quote both
)

// appendMessage puts one message into the user's INBOX at Dovecot.
func appendMessage(t *testing.T, d *testimap.Dovecot, pw, subject string) {
	t.Helper()
	c, err := imapclient.DialTLS(fmt.Sprintf("127.0.0.1:%d", d.ImplicitPort()),
		&imapclient.Options{TLSConfig: &tls.Config{RootCAs: d.RootCAs(), ServerName: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(mbUser, pw).Wait(); err != nil {
		t.Fatalf("login to append: %v", err)
	}
	msg := "From: a@example.org\r\nTo: b@example.org\r\nSubject: " + subject + "\r\n\r\nhello\r\n"
	cmd := c.Append("INBOX", int64(len(msg)), nil)
	cmd.Write([]byte(msg))
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
	c.Logout().Wait()
}

// mailCount counts the messages mbsync stored in the local INBOX.
func mailCount(t *testing.T, inbox string) int {
	t.Helper()
	n := 0
	for _, sub := range []string{"new", "cur"} {
		ents, _ := os.ReadDir(filepath.Join(inbox, sub))
		n += len(ents)
	}
	return n
}

// Real mbsync with the config client-config prints, PassCmd through an
// unlocked agent; a rotation reaches it with no config change; a locked
// agent makes it fail at once with get's exit 3.
func TestMbsyncThroughAgent(t *testing.T) {
	mbsync := testimap.LookBin(t, "mbsync", "isync")
	d := testimap.StartDovecot(t, map[string]string{mbUser: mbOld})
	s := newAgentSandbox(t)
	trustTestCA(t, s.sandbox)
	s.must(mbOld+"\n", "add", "--name", mbName, "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--security", "tls", "--user", mbUser, "--password-stdin", "--passphrase-file", s.passFile)
	s.unlock()

	// imapvault-get on PATH, as client-config then writes it; the
	// `imapvault` beside it (what it hands over to when the agent can't
	// answer) is the test binary, behind a wrapper that notes get's exit
	// status.
	getBin, _ := buildFastGet(t, s.sandbox)
	bin, rcFile := filepath.Dir(getBin), filepath.Join(s.dir, "get-rc")
	wrapper := "#!/bin/sh\n\"$IMAPVAULT_TEST_BIN\" \"$@\"\nrc=$?\necho $rc >> \"$IMAPVAULT_TEST_RC\"\nexit $rc\n"
	if err := os.WriteFile(filepath.Join(bin, "imapvault"), []byte(wrapper), 0o700); err != nil {
		t.Fatal(err)
	}
	s.env = append(s.env, "PATH="+bin+":"+os.Getenv("PATH"))
	cfg := s.must("", "client-config", "mbsync", mbName).stdout
	if !strings.Contains(cfg, `PassCmd "imapvault-get `) {
		t.Fatalf("client-config did not use imapvault-get from PATH:\n%s", cfg)
	}
	mail := filepath.Join(s.dir, "Mail")
	cfg = strings.ReplaceAll(cfg, "~/Mail/", mail+"/")
	cfg = strings.Replace(cfg, "SSLType IMAPS\n",
		"SSLType IMAPS\nSystemCertificates no\nCertificateFile "+filepath.Join(s.dir, "ca.pem")+"\n", 1)
	cfgPath := filepath.Join(s.dir, "mbsyncrc")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	sync := func() (string, error) {
		cmd := exec.Command(mbsync, "-c", cfgPath, "-a")
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+s.dir,
			"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_BIN="+os.Args[0], "IMAPVAULT_TEST_RC="+rcFile,
			"XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal to fall back on
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	inbox := filepath.Join(mail, mbName, "INBOX")
	os.MkdirAll(filepath.Join(mail, mbName), 0o700) // as the config's comment says

	appendMessage(t, d, mbOld, "first")
	if out, err := sync(); err != nil || mailCount(t, inbox) != 1 {
		t.Fatalf("first sync: %v, %d messages\n%s\n%s", err, mailCount(t, inbox), out, d.Log())
	}
	if _, err := os.Stat(rcFile); err == nil {
		t.Fatalf("imapvault-get handed over to imapvault although the agent was unlocked (exit %s)", readFile(t, rcFile))
	}

	// Dovecot's passwd-file can't hold ':'; keep the generator off it.
	id, err := vault.LoadIdentity(s.identity, func() ([]byte, error) { return []byte("test passphrase"), nil })
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.OpenLocked(s.vault, id)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Find(mbName).Policy = &vault.PasswordPolicy{Exclude: ":"}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// Rotate: the hook hands the new password to Dovecot through a fifo.
	fifo := filepath.Join(s.dir, "relay")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	newPw := make(chan string, 1)
	go func() {
		fh, err := os.Open(fifo)
		if err != nil {
			return
		}
		defer fh.Close()
		sc := bufio.NewScanner(fh)
		if sc.Scan() {
			if err := d.SetPassword(mbUser, sc.Text()); err != nil {
				t.Errorf("set the new password at Dovecot: %v", err)
			}
			newPw <- sc.Text()
		}
	}()
	r := s.exec("", &syscall.SysProcAttr{Setsid: true}, "rotate", mbName, "--verify-timeout", testwait.Patience.String(),
		"--hook", `read -r old; read -r new; printf '%s\n' "$new" > '`+fifo+`'`)
	if r.code != 0 {
		t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	pw := <-newPw
	if pw == mbOld {
		t.Fatal("rotation kept the old password")
	}
	appendMessage(t, d, pw, "second")
	if out, err := sync(); err != nil || mailCount(t, inbox) != 2 {
		t.Fatalf("sync after the rotation: %v, %d messages\n%s", err, mailCount(t, inbox), out)
	}

	s.must("", "lock")
	os.Remove(rcFile)
	out, err := sync()
	if err == nil {
		t.Fatalf("mbsync succeeded with the agent locked:\n%s", out)
	}
	if rc := strings.TrimSpace(string(readFile(t, rcFile))); rc != "3" {
		t.Fatalf("get's exit status with the agent locked: %q, want 3\n%s", rc, out)
	}
	for _, sec := range []string{mbOld, pw} {
		if strings.Contains(out, sec) || strings.Contains(cfg, sec) || strings.Contains(r.stdout+r.stderr, sec) {
			t.Error("a password shows in mbsync's output, its config or rotate's output")
		}
	}
}
