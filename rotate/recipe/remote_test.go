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

// ssh runs a recipe on the mail host with the two lines on the channel's
// stdin. The stand-in ssh records its argv and runs the remote command
// here; the remote recipe is dovecot-passwd-file on a real file, hashed by
// the real doveadm.
func TestSSHRecipe(t *testing.T) {
	doveadm := lookDoveadm(t)
	dir := t.TempDir()
	passwd := filepath.Join(dir, "users")
	if err := os.WriteFile(passwd, []byte("bob:{PLAIN}x::::::\nalice:{PLAIN}y:1000:1000::/home/alice::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ssh := filepath.Join(dir, "ssh")
	writeScript(t, ssh, `for a in "$@"; do printf '[%s]' "$a"; done > "$0.argv"
for last; do :; done
export `+childEnv+`=1 PATH="$PATH"
exec sh -c "$last"
`)
	c := startChild(t, "ssh", oldPw, newPw, map[string]string{
		"IMAPVAULT_RECIPE_SSH": ssh, "IMAPVAULT_RECIPE_SSH_HOST": "mail@mailhost", "IMAPVAULT_RECIPE_SSH_RECIPE": "dovecot-passwd-file",
		"IMAPVAULT_RECIPE_SSH_REMOTE": os.Args[0], "IMAPVAULT_RECIPE_PASSWD_FILE": passwd, "IMAPVAULT_RECIPE_DOVEADM": doveadm,
		"IMAPVAULT_USERNAME": "alice",
	}, "")
	c.wait(t)
	argv := readFile(t, ssh+".argv")
	if strings.Contains(argv, newPw) || strings.Contains(argv, oldPw) {
		t.Fatal("a password in ssh's argv")
	}
	if !strings.HasPrefix(argv, "[-T][-o][BatchMode=yes][mail@mailhost][--][env ") || !strings.Contains(argv, "'IMAPVAULT_RECIPE_PASSWD_FILE="+passwd+"'") ||
		!strings.HasSuffix(argv, "__recipe 'dovecot-passwd-file']") {
		t.Errorf("ssh argv %s", argv)
	}
	lines := strings.Split(readFile(t, passwd), "\n")
	if lines[0] != "bob:{PLAIN}x::::::" || !strings.HasSuffix(lines[1], ":1000:1000::/home/alice::") {
		t.Fatalf("passwd-file: %q", lines)
	}
	hash := strings.Split(lines[1], ":")[1]
	check := exec.Command(doveadm, "pw", "-t", hash)
	check.Stdin = strings.NewReader(newPw + "\n")
	check.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("the new hash does not match the new password: %v %s", err, out)
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
