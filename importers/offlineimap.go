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
		a, skip, err := offlineimapRepo(c, sec, strings.TrimSpace(name))
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
	var firstErr error
	get := func(key string) string {
		v, _, err := c.get(sec, key)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	}
	has := func(key string) bool { _, ok := c.raw(sec, key); return ok }
	typ := get("type")
	switch strings.ToLower(typ) {
	case "imap":
	case "gmail":
		a.Host = "imap.gmail.com"
	default:
		return Account{}, fmt.Sprintf("account %q syncs a %s repository, not IMAP", name, typ), firstErr
	}
	if has("remotehosteval") {
		return Account{}, fmt.Sprintf("account %q computes its host in Python (remotehosteval), which import does not run", name), nil
	}
	if h := get("remotehost"); h != "" {
		a.Host = h
	}
	a.Username = get("remoteuser")
	if has("remoteusereval") {
		a.Username = ""
		a.Note = "the username is a Python expression (remoteusereval), which import does not run"
	}
	if p := get("remoteport"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Account{}, "", synErr(c.file, c.lines[sec], "[%s]: remoteport is not a port number", sec)
		}
		a.Port = n
	}
	ssl, starttls := true, true
	for _, opt := range []struct {
		key string
		dst *bool
	}{{"ssl", &ssl}, {"starttls", &starttls}} {
		if has(opt.key) {
			b, ok := pyBool(get(opt.key))
			if !ok {
				return Account{}, "", synErr(c.file, c.lines[sec], "[%s]: %s is not a boolean", sec, opt.key)
			}
			*opt.dst = b
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
	m := strings.ToUpper(get("auth_mechanisms"))
	switch {
	case strings.Contains(m, "XOAUTH2") && !strings.Contains(m, "PLAIN") && !strings.Contains(m, "LOGIN"):
		a.OAuth2, a.Mech = true, "XOAUTH2"
		a.TokenCmd = get("oauth2_access_token_eval")
	// offlineimap's own order: remotepasseval, remotepass, remotepassfile.
	case has("remotepasseval"):
		a.Note = "the password is a Python expression (remotepasseval), which import does not run"
	case has("remotepass"):
		a.Password = get("remotepass")
	case get("remotepassfile") != "":
		// A file, read (its first line, stripped, as offlineimap reads it)
		// only after the user agreed, as for a password command.
		a.PassFile = get("remotepassfile")
	}
	return a, "", firstErr
}
