package agent

import (
	"strings"
	"unicode"

	"github.com/imapvault/imapvault/vault"
)

// index finds the accounts of one decrypted vault by name and by host
// without a scan: a mail client asks for the same few passwords again and
// again, and a scan of 100,000 accounts per request is most of its cost.
// Built once per read of the file, on its first request; it answers
// exactly as Find does (names and hosts compared as strings.EqualFold
// compares them, the first account of a name wins, hosts in vault order).
type index struct {
	byName map[string]*vault.Account
	byHost map[string][]*vault.Account
}

func newIndex(v *vault.Vault) *index {
	ix := &index{byName: make(map[string]*vault.Account, len(v.Accounts)), byHost: map[string][]*vault.Account{}}
	for _, a := range v.Accounts {
		if k := fold(a.Name); ix.byName[k] == nil {
			ix.byName[k] = a
		}
		k := fold(a.Host)
		ix.byHost[k] = append(ix.byHost[k], a)
	}
	return ix
}

func (ix *index) find(q Query) (*vault.Account, error) {
	return find(q, func(name string) *vault.Account { return ix.byName[fold(name)] },
		func(host string) []*vault.Account { return ix.byHost[fold(host)] })
}

// fold maps every rune to the least of its simple case-folding orbit, so
// that fold(a) == fold(b) exactly when strings.EqualFold(a, b).
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}
