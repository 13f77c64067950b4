//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// The whole path with a shipped recipe: the hook stored with the account
// is recipe:dovecot-passwd-file, rotate runs it as `imapvault __recipe`,
// it hashes and rewrites the real Dovecot's passwd-file, the new password
// logs in and is committed.
func TestRotateWithRecipe(t *testing.T) {
	testimap.LookBin(t, "doveadm", "dovecot-core")
	d := testimap.StartDovecot(t, map[string]string{rotUser: rotOld, "other": "Other-Pw-1"})
	passwd := filepath.Join(d.Dir(), "passwd")
	t.Setenv("IMAPVAULT_RECIPE_PASSWD_FILE", passwd)
	s := newSandbox(t)
	trustTestCA(t, s)
	s.plainIdentity()
	s.must("", "init")
	if r := s.run(rotOld+"\n", "add", "--name", "work", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--user", rotUser, "--password-stdin", "--hook", "recipe:nope"); r.code != 2 || !strings.Contains(r.stderr, "no such recipe") {
		t.Fatalf("unknown recipe: exit %d\n%s", r.code, r.stderr)
	}
	s.must(rotOld+"\n", "add", "--name", "work", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--user", rotUser, "--password-stdin", "--hook", "recipe:dovecot-passwd-file")
	before, _ := os.ReadFile(passwd)
	rs := &rotSandbox{sandbox: s}
	r := rs.runDetached("rotate", "work", "--verify-timeout", testwait.Patience.String())
	a := rs.account("work")
	assertNoRotSecret(t, r, a.Password)
	if r.code != 0 || !strings.Contains(r.stdout, "work: committed") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if a.Password == rotOld || a.Pending != nil {
		t.Fatal("not committed")
	}
	after, _ := os.ReadFile(passwd)
	if strings.Contains(string(after), a.Password) {
		t.Fatal("the new password is in the passwd-file in clear")
	}
	otherLine := func(b []byte) string {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "other:") {
				return l
			}
		}
		return ""
	}
	if otherLine(before) == "" || otherLine(before) != otherLine(after) {
		t.Fatal("the other user's line changed")
	}
	if c := rs.runDetached("check", "work"); c.code != 0 {
		t.Fatalf("the committed password does not log in: %s%s", c.stdout, c.stderr)
	}
	list := s.must("", "rotate", "--recipes").stdout
	for _, name := range []string{"recipe:dovecot-passwd-file", "recipe:ldap", "recipe:mailcow", "recipe:mail-in-a-box",
		"recipe:stalwart", "recipe:plesk", "recipe:ssh", "IMAPVAULT_RECIPE_PASSWD_FILE"} {
		if !strings.Contains(list, name) {
			t.Errorf("--recipes lacks %s", name)
		}
	}
}
