package cli

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// envNames is a repeatable --hook-env flag: names of environment
// variables (never values) a hook gets beyond the allow-list. A value may
// also list several names separated by commas.
type envNames []string

func (l *envNames) String() string { return strings.Join(*l, ",") }

func (l *envNames) Set(s string) error {
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "-" { // edit: clear the list
			*l = append(*l, n)
			continue
		}
		if !vault.EnvName(n) {
			return fmt.Errorf("%q is not an environment variable name (letters, digits and '_'; a name, never NAME=value)", n)
		}
		*l = append(*l, n)
	}
	return nil
}

// names is the list without the "-" marker, and whether "-" was given.
func (l envNames) names() (names []string, clear bool) {
	for _, n := range l {
		if n == "-" {
			clear = true
			continue
		}
		names = append(names, n)
	}
	return names, clear
}

// hookEnvHelp says exactly what a hook's environment holds; rotate, add
// and edit show it.
const hookEnvHelp = `A hook (and an after command) runs with only these environment variables:
PATH, HOME, USER, LOGNAME, LANG, LC_*, TZ, TMPDIR and SSH_AUTH_SOCK (for hooks
that ssh) as set here; IMAPVAULT_ACCOUNT, IMAPVAULT_HOST, IMAPVAULT_PORT and
IMAPVAULT_USERNAME; and the names given with --hook-env, per account (add/edit
--hook-env NAME, stored by name only) or per command (rotate --hook-env NAME).
A variable whose value holds one of the account's passwords is left out.`
