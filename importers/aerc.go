package importers

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-ini/ini"

	"github.com/imapvault/imapvault/vault"
)

// ParseAerc reads aerc's accounts.conf with the INI library and options
// aerc itself uses (go-ini, "=" as the only delimiter; [DEFAULT] values
// fill every account). An account's source URL says everything:
// imap:// is STARTTLS, imap+insecure:// cleartext, imaps:// implicit TLS,
// and +oauthbearer/+xoauth2 mean OAuth2. source-cred-cmd gives the
// password unless the URL holds one (aerc ignores the command then).
func ParseAerc(file string, data []byte) (*Result, error) {
	f, err := ini.LoadSources(ini.LoadOptions{KeyValueDelimiters: "="}, data)
	if err != nil {
		return nil, iniErr(file, data, err)
	}
	r := &Result{}
	var globals *ini.Section
	for _, name := range f.SectionStrings() {
		if name == ini.DefaultSection {
			globals = f.Section(name)
			continue
		}
		sec := f.Section(name)
		line := sectionLine(data, name)
		get := func(key string) (string, bool) {
			if sec.HasKey(key) {
				return sec.Key(key).String(), true
			}
			if globals != nil && globals.HasKey(key) {
				return globals.Key(key).String(), true
			}
			return "", false
		}
		at := where(file, line)
		src, ok := get("source")
		if !ok || src == "" {
			return nil, synErr(file, line, "account [%s] has no source (aerc refuses it)", name)
		}
		u, err := url.Parse(src)
		if err != nil {
			return nil, synErr(file, line, "account [%s]: the source is not a valid URL", name)
		}
		parts := strings.Split(u.Scheme, "+")
		if parts[0] != "imap" && parts[0] != "imaps" {
			r.Skipped = append(r.Skipped, Skip{at, fmt.Sprintf("account %q reads %s, not IMAP", name, schemeName(u.Scheme))})
			continue
		}
		a := Account{Name: name, Host: u.Hostname(), Where: at}
		insecure := false
		var mech []string
		for _, p := range parts[1:] {
			if p == "insecure" {
				insecure = true
			} else {
				mech = append(mech, p)
			}
		}
		switch {
		case parts[0] == "imaps":
			a.Security = vault.TLS
			if insecure {
				a.Note = "aerc skipped certificate checks for this account (imaps+insecure); imapvault checks them"
			}
		case insecure:
			a.Security = vault.Insecure
		default:
			a.Security = vault.STARTTLS
		}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return nil, synErr(file, line, "account [%s]: bad port in the source URL", name)
			}
			a.Port = n
		}
		if u.User != nil {
			a.Username = u.User.Username()
			a.Password, _ = u.User.Password()
		}
		switch strings.ToLower(strings.Join(mech, "+")) {
		case "oauthbearer", "xoauth2":
			a.OAuth2, a.Password, a.Mech = true, "", strings.ToUpper(strings.Join(mech, "+"))
			a.TokenCmd, _ = get("source-cred-cmd")
		default:
			if cmd, ok := get("source-cred-cmd"); ok && a.Password == "" {
				a.PassCmd = cmd
			}
		}
		r.Accounts = append(r.Accounts, a)
	}
	return finish(r), nil
}

func schemeName(s string) string {
	if s == "" {
		return "a local path"
	}
	return s
}

// sectionLine is the 1-based line of [name] in an INI file, 0 if unknown.
func sectionLine(data []byte, name string) int {
	for i, l := range bytes.Split(data, []byte("\n")) {
		t := strings.TrimSpace(string(l))
		if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && strings.TrimSpace(t[1:len(t)-1]) == name {
			return i + 1
		}
	}
	return 0
}

// iniErr turns a go-ini error into file:line without quoting the line,
// which may hold a password.
func iniErr(file string, data []byte, err error) error {
	var de ini.ErrDelimiterNotFound
	if errors.As(err, &de) {
		return synErr(file, lineOf(data, de.Line), "no = on this line")
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "unclosed section") {
		sec := strings.TrimSpace(strings.TrimPrefix(msg, "unclosed section:"))
		return synErr(file, lineOf(data, sec), "unclosed section header")
	}
	return synErr(file, 0, "not an INI file aerc can read")
}

// lineOf finds the 1-based line whose trimmed text is s.
func lineOf(data []byte, s string) int {
	s = strings.TrimSpace(s)
	for i, l := range bytes.Split(data, []byte("\n")) {
		if strings.TrimSpace(string(l)) == s {
			return i + 1
		}
	}
	return 0
}
