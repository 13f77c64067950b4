package rotate

import (
	"os"

	"github.com/imapvault/imapvault/vault"
)

// allowListEnv is the environment of the after command: exactly a hook's
// (HookEnv: the allow-list, LC_*, the account's HookEnv names and extra,
// the four IMAPVAULT_* fields), minus any variable whose value holds one of
// secrets. One builder, so the two can never drift apart.
func allowListEnv(a *vault.Account, extra []string, secrets ...string) []string {
	return hookEnv(os.Environ(), a, extra, secrets...)
}
