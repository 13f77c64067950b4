package doctor

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// words splits a command line the way the checks need: on blanks, quotes
// and shell punctuation (not a shell parser; enough to find a program).
func words(cmd string) []string {
	return noCommas(strings.FieldsFunc(cmd, func(r rune) bool { return strings.ContainsRune(" \t\n;&|()'\"`$", r) }))
}

// noCommas drops the lone commas between the items of a Python list
// (offlineimap's remotepasseval: run(["imapvault-get", "work"])).
func noCommas(w []string) []string {
	out := w[:0]
	for _, x := range w {
		if x != "," {
			out = append(out, x)
		}
	}
	return out
}

// programs are the words of a command in a program's place: first in each
// piece between shell punctuation and quotes, after assignments and env,
// exec, command.
func programs(cmd string) []int {
	pieces := strings.FieldsFunc(cmd, func(r rune) bool { return strings.ContainsRune(";&|()'\"`$", r) })
	var at []int
	n := 0
	for _, p := range pieces {
		f := noCommas(strings.Fields(p))
		first := -1
		for k, w := range f {
			if first < 0 && !strings.Contains(w, "=") && w != "env" && w != "exec" && w != "command" {
				first = k
			}
		}
		if first >= 0 {
			at = append(at, n+first)
		}
		n += len(f)
	}
	return at
}

// imapvaultCall finds `imapvault get ...` or `imapvault-get ...` in a
// command: the program word as written, and the account it names.
func imapvaultCall(cmd string) (prog, account string, ok bool) {
	w := words(cmd)
	for _, i := range programs(cmd) {
		if i >= len(w) {
			break
		}
		var rest []string
		switch filepath.Base(w[i]) {
		case "imapvault-get":
			rest = w[i+1:]
		case "imapvault":
			// Global flags may come first, as client-config writes them
			// for a vault or identity off the default path.
			j := i + 1
			for j < len(w) && strings.HasPrefix(w[j], "-") {
				if !strings.Contains(w[j], "=") && w[j] != "--no-prompt" {
					j++ // a flag's value
				}
				j++
			}
			if j >= len(w) || w[j] != "get" {
				continue
			}
			rest = w[j+1:]
		default:
			continue
		}
		for j := 0; j < len(rest); j++ {
			a := rest[j]
			if strings.HasPrefix(a, "-") {
				if !strings.Contains(a, "=") && a != "--no-prompt" {
					j++ // a flag's value
				}
				continue
			}
			return w[i], a, true
		}
		return w[i], "", true
	}
	return "", "", false
}

// wantsToken reports whether an imapvault call asks for the OAuth2 token.
func wantsToken(cmd string) bool {
	w := words(cmd)
	for i, x := range w {
		if x == "--field=token" || x == "-field=token" || (x == "--field" || x == "-field") && i+1 < len(w) && w[i+1] == "token" {
			return true
		}
	}
	return false
}

// wired reports whether an entry gets its secret from imapvault.
func (e *entry) wired() bool {
	_, _, ok := imapvaultCall(e.passCmd + " " + e.tokenCmd)
	return ok
}

// account is the vault account an entry stands for: the one its imapvault
// call names, else the one with its host and user (the SMTP endpoint's
// for an SMTP entry, either for a netrc line).
func (e *entry) account(v *vault.Vault) *vault.Account {
	if v == nil {
		return nil
	}
	if _, name, ok := imapvaultCall(e.passCmd + " " + e.tokenCmd); ok && name != "" {
		if a := v.Find(name); a != nil {
			return a
		}
	}
	for _, a := range v.Accounts {
		imap := strings.EqualFold(a.Host, e.host) && (e.user == "" || a.Username == e.user)
		smtp := a.SMTP != nil && strings.EqualFold(a.SMTP.Host, e.host) && (e.user == "" || e.user == a.Username || e.user == a.SMTP.Username)
		switch {
		case e.client == "netrc" && (imap || smtp), e.smtp && smtp, !e.smtp && e.client != "netrc" && imap:
			return a
		}
	}
	return nil
}

// lookIn finds a program in a PATH list, as exec.LookPath would there.
func lookIn(prog, pathList string) bool {
	if strings.Contains(prog, "/") {
		return executable(prog)
	}
	for _, d := range filepath.SplitList(pathList) {
		if d != "" && executable(filepath.Join(d, prog)) {
			return true
		}
	}
	return false
}

func executable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}

// clientConfigName is the `imapvault client-config` client for a config.
func clientConfigName(client string) string {
	switch client {
	case "mutt":
		return "neomutt"
	case "netrc":
		return ""
	}
	return client
}

// tilde shows a path under home as ~/...
func tilde(home, p string) string {
	if rest, ok := strings.CutPrefix(p, home+"/"); ok && home != "" {
		return "~/" + rest
	}
	return p
}
