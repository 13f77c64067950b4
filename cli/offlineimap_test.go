//go:build unix

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// Real offlineimap, one run per sync as a timer runs it, with the block
// client-config prints: sslcacertfile is the account's CA file (no
// system trust holds it), and the run after a rotation evaluates
// remotepasseval again and logs in with the new password.
func TestOfflineimapRunsFollowRotation(t *testing.T) {
	offlineimap := testimap.LookBin(t, "offlineimap", "offlineimap3")
	const oldPw, newPw = "Offlineimap-Old-pw-6d1s", "Offlineimap-New-pw-9j4e"
	d := testimap.StartDovecot(t, map[string]string{mbUser: oldPw})
	s := newSandbox(t)
	s.plainIdentity()
	caPath := writeTestCA(t, s)
	s.must("", "init")
	const name = "o'k box"
	s.must(oldPw+"\n", "add", "--name", name, "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()), "--security", "tls",
		"--user", mbUser, "--password-stdin", "--ca-file", caPath)
	bin := filepath.Join(s.dir, "bin")
	os.MkdirAll(bin, 0o700)
	os.WriteFile(filepath.Join(bin, "imapvault"), []byte("#!/bin/sh\nexec \"$IMAPVAULT_TEST_BIN\" \"$@\"\n"), 0o700)
	block := s.must("", "client-config", "offlineimap", name).stdout
	mail := filepath.Join(s.dir, "Mail")
	cfg := "[general]\naccounts = " + name + "\nmetadata = " + filepath.Join(s.dir, "meta") + "\n\n" +
		strings.ReplaceAll(block, "~/Mail/", mail+"/")
	cfgPath := filepath.Join(s.dir, "offlineimaprc")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	sync := func() string {
		t.Helper()
		cmd := exec.Command(offlineimap, "-c", cfgPath, "-o", "-u", "basic")
		cmd.Env = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "HOME=" + s.dir, "LANG=C.UTF-8",
			"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_BIN=" + os.Args[0], "XDG_RUNTIME_DIR=" + filepath.Join(s.dir, "run")}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "ERROR") {
			t.Fatalf("offlineimap: %v\n%s\nconfig:\n%s\n%s", err, out, cfg, d.Log())
		}
		return string(out)
	}
	inbox := filepath.Join(mail, name, "INBOX")
	appendMessage(t, d, oldPw, "first")
	sync()
	if n := mailCount(t, inbox); n != 1 {
		t.Fatalf("first run: %d messages", n)
	}
	if err := d.SetPassword(mbUser, newPw); err != nil {
		t.Fatal(err)
	}
	if r := s.run(newPw+"\n", "rotate", name, "--new-password-stdin"); r.code != 0 {
		t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	appendMessage(t, d, newPw, "second")
	out := sync()
	if n := mailCount(t, inbox); n != 2 {
		t.Fatalf("run after the rotation: %d messages\n%s", n, out)
	}
	if strings.Contains(out+cfg, oldPw) || strings.Contains(out+cfg, newPw) {
		t.Error("a password shows in offlineimap's output or its config")
	}
}
