//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testpanel"
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
		"recipe:stalwart", "recipe:plesk", "recipe:ssh", "recipe:zimbra", "recipe:mailu", "IMAPVAULT_RECIPE_PASSWD_FILE"} {
		if !strings.Contains(list, name) {
			t.Errorf("--recipes lacks %s", name)
		}
	}
}

// The three 2026 recipes end to end: each fake admin API (checking the
// request's shape) sets the password at a real Dovecot, and rotate commits
// only once the new password logs in there.
func TestRotateWithPanelRecipes(t *testing.T) {
	const login = "alice@mail.test"
	const cred = "Panel-Cred-Sentinel-3Kx"
	for _, tc := range []struct {
		recipe string
		start  func(set func(user, pw string) error) (url string, problems func() []string, stop func())
		env    func(url, credFile string) map[string]string
		cred   string
	}{
		{"stalwart", func(set func(string, string) error) (string, func() []string, func()) {
			s := testpanel.NewStalwart([]string{login}, "0")
			s.Set, s.Token = set, cred
			return s.URL, s.Problems, s.Close
		}, func(u, f string) map[string]string {
			return map[string]string{"IMAPVAULT_RECIPE_STALWART_URL": u, "IMAPVAULT_RECIPE_STALWART_TOKEN_FILE": f}
		}, cred},
		{"zimbra", func(set func(string, string) error) (string, func() []string, func()) {
			z := testpanel.NewZimbra([]string{login})
			z.Set, z.Admin, z.PolicyMessage = set, "admin@mail.test:"+cred, "zimbraPasswordMinAlphaChars not met"
			return z.URL, z.Problems, z.Close
		}, func(u, f string) map[string]string {
			return map[string]string{"IMAPVAULT_RECIPE_ZIMBRA_URL": u, "IMAPVAULT_RECIPE_ZIMBRA_ADMIN_FILE": f}
		}, "admin@mail.test:" + cred},
		{"mailu", func(set func(string, string) error) (string, func() []string, func()) {
			m := testpanel.NewMailu([]string{login})
			m.Set, m.Token = set, cred
			return m.URL + "/api", m.Problems, m.Close
		}, func(u, f string) map[string]string {
			return map[string]string{"IMAPVAULT_RECIPE_MAILU_URL": u, "IMAPVAULT_RECIPE_MAILU_TOKEN_FILE": f}
		}, cred},
	} {
		t.Run(tc.recipe, func(t *testing.T) {
			d := testimap.StartDovecot(t, map[string]string{login: rotOld})
			url, problems, stop := tc.start(d.SetPassword)
			defer stop()
			credFile := filepath.Join(t.TempDir(), "cred")
			if err := os.WriteFile(credFile, []byte(tc.cred+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.env(url, credFile) {
				t.Setenv(k, v)
			}
			s := newSandbox(t)
			trustTestCA(t, s)
			s.plainIdentity()
			s.must("", "init")
			s.must(rotOld+"\n", "add", "--name", "work", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
				"--user", login, "--password-stdin", "--hook", "recipe:"+tc.recipe)
			rs := &rotSandbox{sandbox: s}
			r := rs.runDetached("rotate", "work", "--verify-timeout", "60s")
			a := rs.account("work")
			assertNoRotSecret(t, r, a.Password)
			if strings.Contains(r.stdout+r.stderr, cred) {
				t.Error("the admin credential is in rotate's output")
			}
			if r.code != 0 || !strings.Contains(r.stdout, "work: committed") {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if a.Password == rotOld || a.Pending != nil {
				t.Fatal("not committed")
			}
			for _, p := range problems() {
				t.Errorf("request shape: %s", p)
			}
			if c := rs.runDetached("check", "work"); c.code != 0 {
				t.Fatalf("the committed password does not log in: %s%s", c.stdout, c.stderr)
			}
		})
	}
}
