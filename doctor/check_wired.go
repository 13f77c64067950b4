package doctor

import (
	"fmt"
)

// checkNotWired: a config names a vault account's host and user but gets
// the password elsewhere (its own copy, its own command).
func checkNotWired(in *Input, s *setup) []Finding {
	secrets := secretsOf(in.Vault)
	var out []Finding
	for _, e := range s.entries {
		if e.oauth || e.wired() {
			continue
		}
		a := e.account(in.Vault)
		if a == nil {
			continue
		}
		var how string
		switch {
		case e.password != "":
			copied := false
			for _, sec := range secrets {
				copied = copied || sec.value == e.password
			}
			if copied {
				continue // a plaintext copy: checkPlaintext says so
			}
			how = "holds a password of its own, not the vault's"
		case e.passCmd != "":
			how = "gets its password from its own command, not from imapvault"
		default:
			continue // it asks, or a keyring (perhaps imapvault secret-service)
		}
		fix := fmt.Sprintf("make its password command 'imapvault-get %s'", a.Name)
		if c := clientConfigName(e.client); c != "" {
			fix += fmt.Sprintf(" ('imapvault client-config %s %s' prints the lines)", c, a.Name)
		}
		out = append(out, Finding{Kind: KindNotWired, Severity: Medium, File: e.file, Line: e.line, Account: a.Name,
			Message: fmt.Sprintf("%s's %s for %s@%s %s: %s", e.client, quoteName(e.name), e.user, e.host, how, fix)})
	}
	return out
}

func quoteName(n string) string {
	if n == "" {
		return "account"
	}
	return fmt.Sprintf("account %q", n)
}
