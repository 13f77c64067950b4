//go:build unix

package recipe

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// writeScript writes an executable shell script.
func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
}

// Plesk gets the password in PSA_PASSWORD, and "" as -passwd: a stand-in
// plesk (the real one needs a Plesk server) records its argv, the names in
// its environment and the password's SHA-256.
func TestPleskRecipe(t *testing.T) {
	dir := t.TempDir()
	plesk := filepath.Join(dir, "plesk")
	writeScript(t, plesk, `for a in "$@"; do printf '[%s]' "$a"; done > "$0.argv"
env | cut -d= -f1 | sort > "$0.envnames"
printf %s "$PSA_PASSWORD" | sha256sum | cut -d' ' -f1 > "$0.pwsum"
echo "SUCCESS: Update of mail account 'alice' completed."
`)
	c := startChild(t, "plesk", oldPw, newPw, map[string]string{"IMAPVAULT_RECIPE_PLESK": plesk, "IMAPVAULT_USERNAME": "alice@mail.test"}, "")
	c.wait(t)
	if argv := readFile(t, plesk+".argv"); argv != "[bin][mail][--update][alice@mail.test][-passwd][]" {
		t.Errorf("plesk argv %s", argv)
	}
	sum := sha256.Sum256([]byte(newPw))
	if got := strings.TrimSpace(readFile(t, plesk+".pwsum")); got != hex.EncodeToString(sum[:]) {
		t.Error("PSA_PASSWORD does not hold the new password")
	}
	names := strings.Fields(readFile(t, plesk+".envnames"))
	for _, n := range names {
		if n != "PATH" && n != "LANG" && n != "PSA_PASSWORD" && n != "PWD" && n != "SHLVL" && n != "_" {
			t.Errorf("plesk got %s in its environment; want PATH, LANG and PSA_PASSWORD only", n)
		}
	}
	if !strings.Contains(c.stdout.String(), "SUCCESS") {
		t.Errorf("plesk's output not passed on: %q", c.stdout.String())
	}
}

// ssh runs a recipe on the mail host with every value and the two lines
// on the channel's stdin. The stand-in ssh records its argv and, as sshd
// does, hands the command line to a login shell: sh, zsh, and fish, whose
// quoting differs (\' inside '...'). The username ends in a backslash and
// the account name is shell code: neither may change what runs there. The
// remote recipe is dovecot-passwd-file on a real file, hashed by the real
// doveadm.
func TestSSHRecipe(t *testing.T) {
	doveadm := lookDoveadm(t)
	for _, shell := range []struct{ name, pkg string }{{"sh", "dash"}, {"zsh", "zsh"}, {"fish", "fish"}} {
		t.Run(shell.name, func(t *testing.T) {
			login := testimap.LookBin(t, shell.name, shell.pkg)
			dir := t.TempDir()
			passwd := filepath.Join(dir, "users")
			if err := os.WriteFile(passwd, []byte("bob:{PLAIN}x::::::\nalice\\:{PLAIN}y:1000:1000::/home/alice::\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			pwned := filepath.Join(dir, "PWNED")
			ssh := filepath.Join(dir, "ssh")
			writeScript(t, ssh, `for a in "$@"; do printf '[%s]' "$a"; done > "$0.argv"
for last; do :; done
export `+childEnv+`=1 PATH="$PATH"
exec '`+login+`' -c "$last"
`)
			c := startChild(t, "ssh", oldPw, newPw, map[string]string{
				"IMAPVAULT_RECIPE_SSH": ssh, "IMAPVAULT_RECIPE_SSH_HOST": "mail@mailhost", "IMAPVAULT_RECIPE_SSH_RECIPE": "dovecot-passwd-file",
				"IMAPVAULT_RECIPE_SSH_REMOTE": os.Args[0], "IMAPVAULT_RECIPE_PASSWD_FILE": passwd, "IMAPVAULT_RECIPE_DOVEADM": doveadm,
				"IMAPVAULT_USERNAME": `alice\`, "IMAPVAULT_ACCOUNT": "; touch " + pwned + " #",
			}, "")
			c.wait(t)
			if _, err := os.Stat(pwned); err == nil {
				t.Fatal("the account name ran as a command on the mail host")
			}
			argv := readFile(t, ssh+".argv")
			if argv != "[-T][-o][BatchMode=yes][mail@mailhost][--]["+remoteSSH+"]" {
				t.Errorf("ssh argv %s: want only the fixed remote command", argv)
			}
			lines := strings.Split(readFile(t, passwd), "\n")
			if lines[0] != "bob:{PLAIN}x::::::" || !strings.HasPrefix(lines[1], `alice\:`) || !strings.HasSuffix(lines[1], ":1000:1000::/home/alice::") {
				t.Fatalf("passwd-file: %q", lines)
			}
			hash := strings.Split(lines[1], ":")[1]
			check := exec.Command(doveadm, "pw", "-t", hash)
			check.Stdin = strings.NewReader(newPw + "\n")
			check.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			if out, err := check.CombinedOutput(); err != nil {
				t.Fatalf("the new hash does not match the new password: %v %s", err, out)
			}
		})
	}
}

// A value that can't travel as one line is refused before ssh runs.
func TestSSHRecipeRefusesLineBreaks(t *testing.T) {
	dir := t.TempDir()
	ssh := filepath.Join(dir, "ssh")
	writeScript(t, ssh, `touch "$0.ran"`)
	c := startChild(t, "ssh", oldPw, newPw, map[string]string{
		"IMAPVAULT_RECIPE_SSH": ssh, "IMAPVAULT_RECIPE_SSH_HOST": "mailhost", "IMAPVAULT_RECIPE_SSH_RECIPE": "dovecot-passwd-file",
		"IMAPVAULT_RECIPE_PASSWD_FILE": "/etc/x\nIMAPVAULT_RECIPE_DOVEADM=/tmp/evil", "IMAPVAULT_USERNAME": "alice",
	}, "")
	err := <-c.done
	if out := c.stdout.String() + c.stderr.String(); err == nil || !strings.Contains(out, "IMAPVAULT_RECIPE_PASSWD_FILE holds a line break") {
		t.Fatalf("exit %v, output %q; want a refusal naming the setting", err, out)
	}
	if _, err := os.Stat(ssh + ".ran"); err == nil {
		t.Fatal("ssh ran")
	}
}

func lookDoveadm(t *testing.T) string { return testimap.LookBin(t, "doveadm", "dovecot-core") }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
