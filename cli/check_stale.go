package cli

import (
	"fmt"

	"github.com/imapvault/imapvault/vault"
)

// sayStale tells which checks were not kept as the account's last check,
// and why (lastcheck.Stale): a rotation overlapped them.
func (e *env) sayStale(accts []*vault.Account, stale map[string]string) {
	for _, a := range accts {
		if why, ok := stale[a.ID]; ok {
			fmt.Fprintf(e.stderr, "imapvault: %s: this check was not recorded as its last check: %s\n", lineN(a.Name, nameCap), why)
		}
	}
}
