package doctor

import (
	"strings"
)

// parseMsmtp reads an msmtp config: "defaults" and "account NAME [: A,
// B]" sections of "key value" lines (values may be quoted), each account
// inheriting the defaults and the accounts it names.
func parseMsmtp(path string, data []byte) []entry {
	type acct struct {
		vals map[string]string
		line int
	}
	defaults := map[string]string{}
	accts := map[string]*acct{}
	var order []string
	cur := defaults
	for i, raw := range strings.Split(string(data), "\n") {
		ln := strings.TrimSpace(raw)
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		key, val := ln, ""
		if i := strings.IndexAny(ln, " \t"); i >= 0 {
			key, val = ln[:i], unquote(strings.TrimSpace(ln[i+1:]))
		}
		switch key {
		case "defaults":
			cur = defaults
		case "account":
			name, parents, _ := strings.Cut(val, ":")
			name = strings.TrimSpace(name)
			a := &acct{vals: map[string]string{}, line: i + 1}
			for k, v := range defaults {
				a.vals[k] = v
			}
			for _, p := range strings.Split(parents, ",") {
				if pa := accts[strings.TrimSpace(p)]; pa != nil {
					for k, v := range pa.vals {
						a.vals[k] = v
					}
				}
			}
			if accts[name] == nil {
				order = append(order, name)
			}
			accts[name] = a
			cur = a.vals
		default:
			cur[key] = val
		}
	}
	var out []entry
	for _, name := range order {
		a := accts[name]
		v := a.vals
		if v["host"] == "" {
			continue
		}
		auth := strings.ToLower(v["auth"])
		e := entry{client: "msmtp", file: path, line: a.line, name: name, host: v["host"], user: v["user"], smtp: true,
			password: v["password"], passCmd: v["passwordeval"]}
		if auth == "xoauth2" || auth == "oauthbearer" {
			e.oauth, e.mech, e.tokenCmd = true, strings.ToUpper(auth), e.passCmd
			e.password, e.passCmd = "", ""
		}
		out = append(out, e)
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}
