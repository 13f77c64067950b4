package importers

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/imapvault/imapvault/vault"
)

// ParseHimalaya reads himalaya's config.toml. Accounts live under
// [accounts.NAME]; the IMAP part is backend.* in himalaya 1.x
// (backend.type = "imap", host, port, encryption.type tls|start-tls|none,
// login, auth.raw / auth.cmd / auth.keyring, auth.type oauth2) and imap.*
// in 0.9 (imap.encryption, imap.passwd.raw / imap.passwd.cmd). himalaya's
// default encryption is TLS.
func ParseHimalaya(file string, data []byte) (*Result, error) {
	if line := tomlTooDeep(data); line > 0 {
		return nil, synErr(file, line, "arrays or tables nest more than %d deep", MaxTOMLNesting)
	}
	var doc map[string]any
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, synErr(file, pe.Position.Line, "not valid TOML")
		}
		return nil, synErr(file, 0, "not valid TOML")
	}
	accts, _ := doc["accounts"].(map[string]any)
	if accts == nil {
		return nil, synErr(file, 0, "no [accounts.NAME] table")
	}
	names := make([]string, 0, len(accts))
	for n := range accts {
		names = append(names, n)
	}
	// Keep the file's order: toml.MetaData lists keys as they appear.
	order := map[string]int{}
	for i, k := range md.Keys() {
		if len(k) >= 2 && k[0] == "accounts" {
			if _, ok := order[k[1]]; !ok {
				order[k[1]] = i
			}
		}
	}
	sort.Slice(names, func(i, j int) bool { return order[names[i]] < order[names[j]] })
	r := &Result{}
	for _, name := range names {
		t, ok := accts[name].(map[string]any)
		if !ok {
			return nil, synErr(file, tomlLine(data, name, ""), "accounts.%s is not a table", name)
		}
		at := where(file, tomlLine(data, name, ""))
		imap, legacy := tbl(t, "backend"), false
		if imap == nil || str(imap, "type") != "imap" {
			if old := tbl(t, "imap"); old != nil {
				imap, legacy = old, true
			} else {
				r.Skipped = append(r.Skipped, Skip{at, fmt.Sprintf("account %q has no IMAP backend", name)})
				continue
			}
		}
		a := Account{Name: name, Host: str(imap, "host"), Username: str(imap, "login"), Where: at}
		if p, ok := imap["port"].(int64); ok {
			if p < 1 || p > 65535 {
				return nil, synErr(file, tomlLine(data, name, "port"), "accounts.%s: port out of range", name)
			}
			a.Port = int(p)
		}
		enc := str(imap, "encryption")
		if e := tbl(imap, "encryption"); e != nil {
			enc = str(e, "type")
		}
		switch strings.ToLower(enc) {
		case "", "tls", "ssl":
			a.Security = vault.TLS
		case "start-tls", "starttls":
			a.Security = vault.STARTTLS
		case "none":
			a.Security = vault.Insecure
		default:
			return nil, synErr(file, tomlLine(data, name, "encryption"), "accounts.%s: unknown encryption (want tls, start-tls or none)", name)
		}
		auth := tbl(imap, "auth")
		if legacy {
			auth = tbl(imap, "passwd")
		}
		if auth != nil {
			switch {
			case strings.EqualFold(str(auth, "type"), "oauth2") || tbl(auth, "oauth2") != nil:
				a.OAuth2 = true
				// himalaya 1.x: auth.method and auth.access-token.cmd (older
				// configs nest them under auth.oauth2).
				for _, t := range []map[string]any{auth, tbl(auth, "oauth2")} {
					if m := str(t, "method"); m != "" {
						a.Mech = strings.ToUpper(m)
					}
					if c := cmdString(tbl(t, "access-token")["cmd"]); c != "" {
						a.TokenCmd = c
					}
				}
			case str(auth, "raw") != "":
				a.Password = str(auth, "raw")
			case auth["cmd"] != nil:
				a.PassCmd = cmdString(auth["cmd"])
			case str(auth, "keyring") != "":
				a.Note = "the password is in the system keyring, which import does not read"
			}
		}
		himalayaSending(&a, t)
		r.Accounts = append(r.Accounts, a)
	}
	return finish(r), nil
}

func tbl(m map[string]any, k string) map[string]any {
	t, _ := m[k].(map[string]any)
	return t
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// cmdString is a himalaya command: a string, or a list piped together.
func cmdString(v any) string {
	switch c := v.(type) {
	case string:
		return c
	case []any:
		var parts []string
		for _, p := range c {
			if s, ok := p.(string); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " | ")
	}
	return ""
}

// tomlLine finds the line of an account's key (or, with key "", its
// table) for messages: the TOML library keeps no positions after a good
// parse. Lines are counted from 1; 0 means not found.
func tomlLine(data []byte, account, key string) int {
	table, line := 0, 0
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[accounts."+account+"]") || strings.HasPrefix(t, "[accounts."+account+".") ||
			strings.HasPrefix(t, "accounts."+account+".") {
			if table == 0 {
				table = i + 1
			}
			line = i + 1
			continue
		}
		if key != "" && table > 0 && line > 0 && strings.Contains(t, key) && !strings.HasPrefix(t, "#") {
			return i + 1
		}
		if strings.HasPrefix(t, "[") && line > 0 && !strings.Contains(t, "accounts."+account) {
			line = 0 // another table: stop looking for the key
		}
	}
	return table
}
