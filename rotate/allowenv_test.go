package rotate

import (
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// The after command's environment is an allow-list: PATH and friends, the
// account's HookEnv names, never IMAPVAULT_* of ours nor a value holding a
// password, plus the account's non-secret fields.
func TestAllowListEnv(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	t.Setenv("LC_TIME", "C")
	t.Setenv("UNLISTED_VAR", "x")
	t.Setenv("WANTED_BY_ACCOUNT", "y")
	t.Setenv("IMAPVAULT_VAULT", "/secret/path")
	t.Setenv("HOME", "/home/"+newSentinel) // a value holding a password goes, allowed or not
	a := &vault.Account{Name: "n", Host: "h", Port: 993, Username: "u", HookEnv: []string{"WANTED_BY_ACCOUNT", "IMAPVAULT_VAULT"}}
	env := strings.Join(allowListEnv(a, nil, newSentinel), "\n")
	for _, want := range []string{"PATH=/usr/bin:/bin", "LC_TIME=C", "WANTED_BY_ACCOUNT=y", "IMAPVAULT_ACCOUNT=n", "IMAPVAULT_HOST=h", "IMAPVAULT_PORT=993", "IMAPVAULT_USERNAME=u"} {
		if !strings.Contains(env, want) {
			t.Errorf("env lacks %s", want)
		}
	}
	for _, bad := range []string{"UNLISTED_VAR", "IMAPVAULT_VAULT", "HOME=", newSentinel} {
		if strings.Contains(env, bad) {
			t.Errorf("env holds %s", bad)
		}
	}
}
