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
)

// A stored recipe:mailu hook with its settings stored too rotates with
// nothing in the environment: the URL and the token file's path come from
// the account (#29).
func TestRotateWithStoredRecipeSettings(t *testing.T) {
	const login = "alice@mail.test"
	const token = "Mailu-Token-Sentinel-7Qz"
	d := testimap.StartDovecot(t, map[string]string{login: rotOld})
	m := testpanel.NewMailu([]string{login})
	m.Set, m.Token = d.SetPassword, token
	defer m.Close()
	tokenFile := filepath.Join(t.TempDir(), "mailu-token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "IMAPVAULT_RECIPE_") {
			t.Fatalf("the test's own environment holds %s", kv)
		}
	}
	s := newSandbox(t)
	trustTestCA(t, s)
	s.plainIdentity()
	s.must("", "init")
	s.must(rotOld+"\n", "add", "--name", "work", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--user", login, "--password-stdin", "--hook", "recipe:mailu",
		"--recipe-setting", "IMAPVAULT_RECIPE_MAILU_URL="+m.URL+"/api",
		"--recipe-setting", "IMAPVAULT_RECIPE_MAILU_TOKEN_FILE="+tokenFile)
	rs := &rotSandbox{sandbox: s}
	a := rs.account("work")
	if strings.Join(a.RecipeSettings, " ") != "IMAPVAULT_RECIPE_MAILU_URL="+m.URL+"/api IMAPVAULT_RECIPE_MAILU_TOKEN_FILE="+tokenFile {
		t.Fatalf("stored settings: %q", a.RecipeSettings)
	}
	r := rs.runDetached("rotate", "work", "--verify-timeout", "60s")
	a = rs.account("work")
	assertNoRotSecret(t, r, a.Password)
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Error("the API token is in rotate's output")
	}
	if r.code != 0 || !strings.Contains(r.stdout, "work: committed") || a.Password == rotOld {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range m.Problems() {
		t.Errorf("request shape: %s", p)
	}
}

// add/edit --recipe-setting: only a recipe hook's own settings, never a
// secret, NAME= removes one, and a new hook keeps only what it reads.
func TestRecipeSettingFlags(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	s.must("Zq9x-Pw-Sentinel-1\n", "add", "--name", "work", "--host", "imap.example.org", "--user", "u",
		"--password-stdin", "--hook", "recipe:dovecot-passwd-file", "--recipe-setting", "IMAPVAULT_RECIPE_PASSWD_FILE=/etc/dovecot/passwd")
	rs := &rotSandbox{sandbox: s}
	settings := func() string { return strings.Join(rs.account("work").RecipeSettings, " ") }

	refused := []struct {
		name string
		args []string
		want string
	}{
		{"another recipe's setting", []string{"--recipe-setting", "IMAPVAULT_RECIPE_MAILU_URL=https://x"}, "recipe:dovecot-passwd-file does not read IMAPVAULT_RECIPE_MAILU_URL"},
		{"not a recipe setting", []string{"--recipe-setting", "PATH=/tmp"}, "want NAME=VALUE"},
		{"no =", []string{"--recipe-setting", "IMAPVAULT_RECIPE_SCHEME"}, "want NAME=VALUE"},
		{"the password in a value", []string{"--recipe-setting", "IMAPVAULT_RECIPE_SCHEME=Zq9x-Pw-Sentinel-1"}, "holds one of the account's passwords"},
		{"a newline in a value", []string{"--recipe-setting", "IMAPVAULT_RECIPE_SCHEME=a\nb"}, "holds a control"},
		{"a shell hook", []string{"--hook", "true", "--recipe-setting", "IMAPVAULT_RECIPE_SCHEME=X"}, "the account's hook is a shell command"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := s.run("", append([]string{"edit", "work"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.want)
			}
			if strings.Contains(r.stderr, "Zq9x-Pw-Sentinel-1") {
				t.Error("the password is in the error")
			}
			if got := settings(); got != "IMAPVAULT_RECIPE_PASSWD_FILE=/etc/dovecot/passwd" {
				t.Errorf("a refused edit changed the settings: %q", got)
			}
		})
	}

	s.must("", "edit", "work", "--recipe-setting", "IMAPVAULT_RECIPE_SCHEME=BLF-CRYPT", "--recipe-setting", "IMAPVAULT_RECIPE_USER=alice")
	if got := settings(); got != "IMAPVAULT_RECIPE_PASSWD_FILE=/etc/dovecot/passwd IMAPVAULT_RECIPE_SCHEME=BLF-CRYPT IMAPVAULT_RECIPE_USER=alice" {
		t.Fatalf("after adding two: %q", got)
	}
	s.must("", "edit", "work", "--recipe-setting", "IMAPVAULT_RECIPE_SCHEME=")
	if got := settings(); got != "IMAPVAULT_RECIPE_PASSWD_FILE=/etc/dovecot/passwd IMAPVAULT_RECIPE_USER=alice" {
		t.Fatalf("after NAME=: %q", got)
	}
	// recipe:mailu reads IMAPVAULT_RECIPE_USER but no passwd-file.
	r := s.must("", "edit", "work", "--hook", "recipe:mailu", "--recipe-setting", "IMAPVAULT_RECIPE_MAILU_URL=https://mail.example.org/api")
	if got := settings(); got != "IMAPVAULT_RECIPE_USER=alice IMAPVAULT_RECIPE_MAILU_URL=https://mail.example.org/api" {
		t.Fatalf("after a new hook: %q", got)
	}
	if !strings.Contains(r.stderr, "warning: removed the recipe settings the new hook does not read: IMAPVAULT_RECIPE_PASSWD_FILE") {
		t.Errorf("the dropped setting is not named: %q", r.stderr)
	}
	s.must("", "edit", "work", "--recipe-setting", "-")
	if got := settings(); got != "" {
		t.Fatalf("after -: %q", got)
	}
	if r := s.run("pw-2-long-enough\n", "add", "--name", "nohook", "--host", "h.example", "--user", "u", "--password-stdin",
		"--recipe-setting", "IMAPVAULT_RECIPE_USER=x"); r.code != 2 || !strings.Contains(r.stderr, "the account has no hook") {
		t.Errorf("add without a hook: exit %d %q", r.code, r.stderr)
	}
}
