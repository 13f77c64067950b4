package rotate

import (
	"os"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// allowedEnvNames are the variables a child we start (the after command, a
// recipe) inherits from us; everything else stays behind. The account's
// HookEnv names more, by name only.
var allowedEnvNames = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "SSH_AUTH_SOCK"}

// allowListEnv is the environment of the after command: the allow-list
// (plus LC_* and the account's HookEnv names, plus extra names) taken from
// os.Environ, minus any variable whose value holds one of secrets, plus the
// account's non-secret fields as IMAPVAULT_ACCOUNT, _HOST, _PORT and
// _USERNAME. (The hook's environment follows the same rule; the two are
// to become one builder.)
func allowListEnv(a *vault.Account, extra []string, secrets ...string) []string {
	allowed := map[string]bool{}
	for _, n := range allowedEnvNames {
		allowed[n] = true
	}
	for _, n := range append(append([]string(nil), a.HookEnv...), extra...) {
		if n != "" && !strings.HasPrefix(strings.ToUpper(n), "IMAPVAULT_") || recipeSetting(n) {
			allowed[n] = true
		}
	}
	var out []string
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if (allowed[name] || strings.HasPrefix(name, "LC_")) && !containsAny(value, secrets) {
			out = append(out, kv)
		}
	}
	return append(out,
		"IMAPVAULT_ACCOUNT="+a.Name,
		"IMAPVAULT_HOST="+a.Host,
		"IMAPVAULT_PORT="+strconv.Itoa(a.Port),
		"IMAPVAULT_USERNAME="+a.Username,
	)
}
