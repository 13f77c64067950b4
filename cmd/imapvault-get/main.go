// Command imapvault-get is the mail clients' password command: the same
// command line as `imapvault get`, answered by this session's unlocked
// agent in a few milliseconds. It links only the agent's protocol
// (agent/wire); the whole imapvault binary needs ~20 ms here just to start,
// which a client running its password command for every connection pays
// each time.
//
// Whatever the agent can't answer (locked, not running, another identity,
// an OAuth2 token, an unknown name, --help, an odd flag) it hands to
// `imapvault get` with the same arguments, by exec: the prompt, the exit
// codes and every message stay those of one implementation.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/adrg/xdg"

	"github.com/imapvault/imapvault/agent/wire"
)

func main() {
	hardenProcess() // best effort; imapvault itself warns when it can't
	v, ok, lost := fromAgent(os.Args[1:], os.Getenv)
	if ok {
		_, err := fmt.Fprintln(os.Stdout, v)
		clearString(&v)
		if err != nil {
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(handOver(os.Args[1:], lost))
}

// fromAgent answers from an unlocked agent, or says it can't (ok false,
// lost saying why when it asked): never a prompt, never an error of its own.
func fromAgent(args []string, getenv func(string) string) (v string, ok bool, lost string) {
	req, ok := parseArgs(args)
	if !ok || req.query.Field == "token" {
		return "", false, "" // the token is refreshed and saved by imapvault itself
	}
	if req.vault == "" {
		req.vault = getenv("IMAPVAULT_VAULT")
	}
	if req.vault == "" {
		req.vault = filepath.Join(xdg.DataHome, "imapvault", "vault.age")
	}
	if req.identity == "" {
		req.identity = getenv("IMAPVAULT_IDENTITY")
	}
	if req.identity == "" {
		req.identity = filepath.Join(xdg.ConfigHome, "imapvault", "identity.age") // as imapvault (cli/env.go)
	}
	w := wire.Locate(getenv)
	c, err := w.Dial()
	if err != nil {
		return "", false, w.Lost(err)
	}
	defer c.Close()
	// One round trip: the agent checks the identity (Query.Identity) and
	// answers ErrLocked when it is locked or holds another.
	req.query.Identity = wire.AbsPath(req.identity)
	v, err = c.Get(wire.AbsPath(req.vault), req.query)
	if err == nil && hasControl(v) {
		// A password saved before control characters were refused:
		// imapvault get prints it to a pipe, never to a terminal.
		return "", false, ""
	}
	if err != nil {
		return "", false, w.Lost(err)
	}
	return v, true, ""
}

// hasControl: C0, DEL, C1 (or a lone C1 byte), as vault.FirstControl.
func hasControl(s string) bool {
	for i, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r == utf8.RuneError && s[i] >= 0x80 && s[i] <= 0x9f) {
			return true
		}
	}
	return false
}

// clearString drops the last reference to a secret we printed; Go strings
// are immutable, so this is all that can be done without unsafe.
func clearString(s *string) { *s = "" }
