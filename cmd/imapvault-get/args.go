package main

import (
	"strings"

	"github.com/imapvault/imapvault/agent/wire"
)

type getRequest struct {
	vault, identity string
	query           wire.Query
}

// valueFlags take a value, as `imapvault get` and imapvault's global flags
// spell them (one or two dashes, "--f v" or "--f=v").
var valueFlags = map[string]bool{"vault": true, "identity": true, "passphrase-file": true,
	"field": true, "host": true, "user": true}

// parseArgs reads `imapvault get`'s command line. ok is false for anything
// it is not sure about (help, an unknown flag, a usage error): imapvault
// then says what is wrong, in its own words.
func parseArgs(args []string) (r getRequest, ok bool) {
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name == "no-prompt" {
			if hasVal && val != "true" && val != "false" {
				return r, false
			}
			continue // the agent never prompts
		}
		if !valueFlags[name] {
			return r, false
		}
		if !hasVal {
			if i+1 >= len(args) {
				return r, false
			}
			i++
			val = args[i]
		}
		switch name {
		case "vault":
			r.vault = val
		case "identity":
			r.identity = val
		case "field":
			r.query.Field = val
		case "host":
			r.query.Host = val
		case "user":
			r.query.User = val
		}
	}
	q := &r.query
	switch {
	case len(pos) > 1, len(pos) == 1 && q.Host != "", len(pos) == 0 && q.Host == "", q.User != "" && q.Host == "":
		return r, false
	case len(pos) == 1:
		q.Name = pos[0]
	}
	if q.Field == "" {
		q.Field = "password"
	}
	return r, true
}
