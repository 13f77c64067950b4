package doctor

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// minScanLen: shorter secrets are looked for only where a config holds a
// password field, never as a piece of any line (too many false hits).
const minScanLen = 6

type vaultSecret struct {
	account, what, value string
}

// secretsOf lists every secret of the vault a copy of which matters: the
// current and pending passwords, the retired ones, OAuth2 tokens.
func secretsOf(v *vault.Vault) []vaultSecret {
	var out []vaultSecret
	if v == nil {
		return nil
	}
	for _, a := range v.Accounts {
		add := func(what, val string) {
			if val != "" {
				out = append(out, vaultSecret{a.Name, what, val})
			}
		}
		add("current password", a.Password)
		if a.Pending != nil {
			add("pending new password", a.Pending.Password)
		}
		for _, h := range a.History {
			add("retired password (retired "+h.Retired.Format("2006-01-02")+")", h.Password)
		}
		if o := a.OAuth; o != nil {
			add("OAuth2 refresh token", o.RefreshToken)
			add("OAuth2 client secret", o.ClientSecret)
		}
	}
	return out
}

// checkPlaintext: a vault secret written in a client config (or a file
// it sources, ~/.netrc, ~/.authinfo).
func checkPlaintext(in *Input, s *setup) []Finding {
	secrets := secretsOf(in.Vault)
	client := s.client
	seen := map[string]bool{}
	var out []Finding
	add := func(path string, line int, sec vaultSecret) {
		key := fmt.Sprintf("%s\x00%d\x00%s", path, line, sec.account)
		if seen[key] {
			return
		}
		seen[key] = true
		fix := "take it out and let the client ask imapvault"
		if c := clientConfigName(client[path]); c != "" {
			fix += fmt.Sprintf(" ('imapvault client-config %s %s' prints the lines)", c, sec.account)
		} else if client[path] == "netrc" {
			fix = "delete the entry; a program that reads it can run 'imapvault get " + sec.account + "' instead"
		}
		out = append(out, Finding{Kind: KindPlaintextCopy, Severity: High, File: path, Line: line, Account: sec.account,
			Message: fmt.Sprintf("the %s of %s is written here in plaintext: %s", sec.what, sec.account, fix)})
	}
	found := map[string]bool{} // values seen on a line of their own
	for _, f := range s.files {
		for i, text := range f.lines {
			for _, sec := range secrets {
				if len(sec.value) >= minScanLen && strings.Contains(text, sec.value) {
					add(f.path, i+1, sec)
					found[sec.value] = true
				}
			}
		}
	}
	// A short password is only looked for where a config holds one; it is
	// reported at the account's line.
	for _, e := range s.entries {
		for _, sec := range secrets {
			if e.password != "" && e.password == sec.value && !found[sec.value] {
				add(e.file, e.line, sec)
			}
		}
	}
	return out
}
