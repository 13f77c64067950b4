package importers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// ParseOfflineimap reads ~/.offlineimaprc the way offlineimap 8
// (offlineimap3) does: [general] accounts lists the accounts, each
// [Account X] names its remoterepository, and that [Repository Y] of type
// IMAP or Gmail holds remotehost, remoteport, remoteuser, ssl (default
// yes), starttls (default yes) and the password as remotepass or
// remotepassfile. remotepasseval and the other *eval options are Python;
// import does not evaluate them and says so.
func ParseOfflineimap(file string, data []byte) (*Result, error) {
	c, err := parsePyConfig(file, data)
	if err != nil {
		return nil, err
	}
	if _, ok := c.sections["general"]; !ok {
		return nil, synErr(file, 0, "no [general] section (offlineimap needs one)")
	}
	list, _, err := c.get("general", "accounts")
	if err != nil {
		return nil, err
	}
	r := &Result{}
	for _, name := range strings.Split(list, ",") {
		// offlineimap strips only leading blanks: "Work ," names "Work ".
		name = strings.TrimLeft(name, " \t\n")
		acct := "Account " + name
		if _, ok := c.sections[acct]; !ok {
			return nil, synErr(file, 0, "[general] lists account %q but there is no [%s] section", name, acct)
		}
		repo, ok, err := c.get(acct, "remoterepository")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, synErr(file, c.lines[acct], "[%s] has no remoterepository", acct)
		}
		sec := "Repository " + repo
		if _, ok := c.sections[sec]; !ok {
			return nil, synErr(file, c.lines[acct], "[%s] names repository %q but there is no [%s] section", acct, repo, sec)
		}
		a, skip, err := offlineimapRepo(c, sec, name)
		if err != nil {
			return nil, err
		}
		if skip != "" {
			r.Skipped = append(r.Skipped, Skip{where(file, c.lines[sec]), skip})
			continue
		}
		r.Accounts = append(r.Accounts, a)
	}
	return finish(r), nil
}

func offlineimapRepo(c *pyConfig, sec, name string) (Account, string, error) {
	a := Account{Name: name, Where: where(c.file, c.lines[sec])}
	get := func(key string) string {
		v, _, err := c.get(sec, key)
		if err != nil {
			panic(err)
		}
		return v
	}
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				if e, ok := p.(error); ok {
					err = e
					return
				}
				panic(p)
			}
		}()
		typ := get("type")
		switch strings.ToLower(typ) {
		case "imap":
		case "gmail":
			a.Host = "imap.gmail.com"
		default:
			a.Name = ""
			a.Note = fmt.Sprintf("account %q syncs a %s repository, not IMAP", name, typ)
			return
		}
		if _, ok := c.raw(sec, "remotehosteval"); ok {
			a.Name, a.Note = "", fmt.Sprintf("account %q computes its host in Python (remotehosteval), which import does not run", name)
			return
		}
		if h := get("remotehost"); h != "" {
			a.Host = h
		}
		a.Username = get("remoteuser")
		if _, ok := c.raw(sec, "remoteusereval"); ok {
			a.Username = ""
			a.Note = "the username is a Python expression (remoteusereval), which import does not run"
		}
		if p := get("remoteport"); p != "" {
			n, e := strconv.Atoi(p)
			if e != nil || n < 1 || n > 65535 {
				panic(synErr(c.file, c.lines[sec], "[%s]: remoteport is not a port number", sec))
			}
			a.Port = n
		}
		ssl, starttls := true, true
		for key, dst := range map[string]*bool{"ssl": &ssl, "starttls": &starttls} {
			if v, ok := c.raw(sec, key); ok {
				b, ok := pyBool(get(key))
				if !ok {
					panic(synErr(c.file, c.lines[sec], "[%s]: %s is not a boolean", sec, key))
				}
				_ = v
				*dst = b
			}
		}
		switch {
		case ssl:
			a.Security = vault.TLS
		case starttls:
			a.Security = vault.STARTTLS
		default:
			a.Security = vault.Insecure
		}
		if m := strings.ToUpper(get("auth_mechanisms")); strings.Contains(m, "XOAUTH2") && !strings.Contains(m, "PLAIN") && !strings.Contains(m, "LOGIN") {
			a.OAuth2 = true
			return
		}
		// offlineimap's own order: remotepasseval, remotepass, remotepassfile.
		if _, ok := c.raw(sec, "remotepasseval"); ok {
			a.Note = "the password is a Python expression (remotepasseval), which import does not run"
			return
		}
		if _, ok := c.raw(sec, "remotepass"); ok {
			a.Password = get("remotepass")
			return
		}
		if f := get("remotepassfile"); f != "" {
			// Read the file's first line, as offlineimap does.
			a.PassCmd = "head -n 1 -- " + homeQuote(f)
		}
	}()
	if err != nil {
		return Account{}, "", err
	}
	if a.Name == "" {
		return Account{}, a.Note, nil
	}
	return a, "", nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// homeQuote quotes a path for sh, keeping a leading ~/ as $HOME.
func homeQuote(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return `"$HOME"/` + shellQuote(rest)
	}
	return shellQuote(p)
}
