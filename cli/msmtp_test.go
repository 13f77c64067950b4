//go:build unix

package cli

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
)

// Real msmtp sends with the block client-config prints: tls_trust_file
// is the account's CA file, From the account's address, and the message
// sent after a rotation runs passwordeval again and logs in with the new
// password (msmtp is one process per message).
func TestMsmtpSendsAndFollowsRotation(t *testing.T) {
	msmtp := testimap.LookBin(t, "msmtp", "msmtp")
	const user, oldPw, newPw = "sender@example.org", "Msmtp-Old-pw-8c2v", "Msmtp-New-pw-4n6b"
	s, env := ccSandbox(t)
	caPath := writeTestCA(t, s)
	srv := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{user: oldPw}})
	s.must(oldPw+"\n", "edit", ccName, "--password-stdin", "--address", "me+box@example.org", "--smtp-host", srv.Host(),
		"--smtp-port", strconv.Itoa(srv.Port()), "--smtp-security", "tls", "--smtp-user", user, "--ca-file", caPath)
	cfg := writeConfig(t, s, "msmtp")
	// One message's worth of msmtp, as a mail client runs it.
	send := func() string {
		t.Helper()
		cmd := exec.Command(msmtp, "-C", cfg, "-a", ccName, "--read-envelope-from", "you@example.org")
		cmd.Env = env
		cmd.Stdin = strings.NewReader("From: me+box@example.org\r\nSubject: hi\r\n\r\nbody\r\n")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("msmtp: %v\n%s\nconfig:\n%s", err, out, readFile(t, cfg))
		}
		return string(out)
	}
	out := send()
	if srv.Mails() != 1 {
		t.Fatalf("first message: %d mails", srv.Mails())
	}
	srv.SetPassword(user, newPw)
	if r := s.run(newPw+"\n", "edit", ccName, "--password-stdin"); r.code != 0 {
		t.Fatalf("edit: %d %s", r.code, r.stderr)
	}
	out += send()
	if srv.Mails() != 2 {
		t.Fatalf("after the rotation: %d mails", srv.Mails())
	}
	if b := string(readFile(t, cfg)); strings.Contains(out+b, oldPw) || strings.Contains(out+b, newPw) {
		t.Error("a password shows in msmtp's output or its config")
	}
	// msmtp refuses ':' and ',' in account names: another name, said so.
	s.must("", "edit", ccName, "--rename", "work, old: 2")
	if b := s.must("", "client-config", "msmtp", "work, old: 2").stdout; !strings.Contains(b, `account "work_ old_ 2"`) ||
		!strings.Contains(b, "msmtp -a 'work_ old_ 2'") {
		t.Errorf("msmtp block for a name with , and ::\n%s", b)
	}
}
