package importers

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-ini/ini"

	"github.com/imapvault/imapvault/vault"
)

// ProfileDir turns a Thunderbird root (~/.thunderbird, holding
// profiles.ini) into its default profile; a profile folder (holding
// prefs.js) is returned as it is. The default is the [Install...]
// section's Default, else the [Profile] with Default=1, else the only one.
func ProfileDir(root string) (string, error) {
	if _, err := os.Stat(filepath.Join(root, "prefs.js")); err == nil {
		return root, nil
	}
	ini1 := filepath.Join(root, "profiles.ini")
	f, err := ini.Load(ini1)
	if err != nil {
		return "", fmt.Errorf("no prefs.js or readable profiles.ini in %s: %w", root, err)
	}
	var profiles []*ini.Section
	for _, s := range f.Sections() {
		if strings.HasPrefix(s.Name(), "Install") && s.Key("Default").String() != "" {
			return filepath.Join(root, s.Key("Default").String()), nil
		}
		if strings.HasPrefix(s.Name(), "Profile") {
			profiles = append(profiles, s)
		}
	}
	pick := func(s *ini.Section) string {
		p := s.Key("Path").String()
		if s.Key("IsRelative").MustInt(1) == 1 {
			return filepath.Join(root, p)
		}
		return p
	}
	for _, s := range profiles {
		if s.Key("Default").String() == "1" {
			return pick(s), nil
		}
	}
	if len(profiles) == 1 {
		return pick(profiles[0]), nil
	}
	return "", fmt.Errorf("%s names no default profile: give the profile folder as PATH", ini1)
}

// ReadThunderbird reads a Thunderbird profile: IMAP servers from prefs.js
// (mail.server.serverN.*, those an account in mail.accountmanager.accounts
// uses) and their saved passwords from logins.json, decrypted with the
// keys in key4.db. primary is asked for only when the profile has a
// primary password; it may return ErrPrimaryPassword's cause.
func ReadThunderbird(profile string, primary func() ([]byte, error)) (*Result, error) {
	prefsPath := filepath.Join(profile, "prefs.js")
	data, err := readRegular(prefsPath, MaxPrefsBytes)
	if err != nil {
		return nil, err
	}
	prefs, err := parsePrefs(prefsPath, data)
	if err != nil {
		return nil, err
	}
	r := &Result{}
	servers, idents := thunderbirdServers(prefs)
	var needLogins bool
	for n, id := range servers {
		get := func(k string) prefValue { return prefs["mail.server."+id+"."+k] }
		at := where(prefsPath, get("hostname").line)
		if t := get("type").s; t != "imap" {
			r.Skipped = append(r.Skipped, Skip{at, fmt.Sprintf("server %s is %s, not IMAP", id, orNone(t))})
			continue
		}
		a := Account{Name: get("name").s, Host: get("hostname").s, Username: get("userName").s, Where: at}
		if a.Name == "" {
			a.Name = id
		}
		if p := get("port"); p.kind == 'n' {
			a.Port = p.n
		}
		// socketType: 0 plain, 1 STARTTLS if offered, 2 STARTTLS, 3 TLS.
		st := get("socketType")
		// Unset, it is Thunderbird's default: 0, plain.
		switch {
		case st.kind != 'n' || st.n == 0:
			a.Security = vault.Insecure
		case st.n == 3:
			a.Security = vault.TLS
		default:
			a.Security = vault.STARTTLS
		}
		if get("authMethod").n == 10 {
			a.OAuth2 = true
		}
		tbSending(&a, prefs, idents[n])
		needLogins = needLogins || !a.OAuth2
		r.Accounts = append(r.Accounts, a)
	}
	if needLogins {
		if err := thunderbirdPasswords(profile, r, primary); err != nil {
			return nil, err
		}
	}
	return finish(r), nil
}

func orNone(s string) string {
	if s == "" {
		return "of no type"
	}
	return s
}

// thunderbirdServers lists the server ids (serverN) accounts use, in the
// order of mail.accountmanager.accounts, and each one's account's first
// (default) identity.
func thunderbirdServers(prefs map[string]prefValue) (servers, idents []string) {
	seen := map[string]bool{}
	for _, acct := range strings.Split(prefs["mail.accountmanager.accounts"].s, ",") {
		acct = strings.TrimSpace(acct)
		s := prefs["mail.account."+acct+".server"].s
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		id, _, _ := strings.Cut(prefs["mail.account."+acct+".identities"].s, ",")
		servers, idents = append(servers, s), append(idents, strings.TrimSpace(id))
	}
	return servers, idents
}

type tbLogins struct {
	Logins []struct {
		Hostname          string `json:"hostname"`
		HTTPRealm         string `json:"httpRealm"`
		EncryptedUsername string `json:"encryptedUsername"`
		EncryptedPassword string `json:"encryptedPassword"`
	} `json:"logins"`
}

// thunderbirdPasswords fills passwords from logins.json + key4.db.
func thunderbirdPasswords(profile string, r *Result, primary func() ([]byte, error)) error {
	lp := filepath.Join(profile, "logins.json")
	data, err := readRegular(lp, MaxLoginsBytes)
	if errors.Is(err, os.ErrNotExist) {
		for i := range r.Accounts {
			if !r.Accounts[i].OAuth2 {
				r.Accounts[i].Note = "Thunderbird has no saved passwords (no logins.json)"
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	var logins tbLogins
	if err := json.Unmarshal(data, &logins); err != nil {
		return synErr(lp, 0, "not a Thunderbird logins.json")
	}
	rows, err := readKey4(filepath.Join(profile, "key4.db"))
	if err != nil {
		return err
	}
	keys, err := unlockKey4(rows, nil)
	if errors.Is(err, ErrPrimaryPassword) && primary != nil {
		pw, perr := primary()
		if perr != nil {
			return perr
		}
		keys, err = unlockKey4(rows, pw)
	}
	if err != nil {
		return err
	}
	type cred struct{ user, pass string }
	byHost := map[string][]cred{}
	for _, l := range logins.Logins {
		host := strings.ToLower(l.Hostname)
		if !strings.HasPrefix(host, "imap://") && !strings.HasPrefix(host, "smtp://") {
			continue // oauth://, https://: not a mail password
		}
		ub, err1 := base64.StdEncoding.DecodeString(l.EncryptedUsername)
		pb, err2 := base64.StdEncoding.DecodeString(l.EncryptedPassword)
		if err1 != nil || err2 != nil {
			return synErr(lp, 0, "a login for %s is not base64", l.Hostname)
		}
		u, err1 := keys.decrypt(ub)
		p, err2 := keys.decrypt(pb)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("%s: decrypt the login for %s: %w", lp, l.Hostname, err)
		}
		byHost[host] = append(byHost[host], cred{u, p})
	}
	for i := range r.Accounts {
		a := &r.Accounts[i]
		if a.OAuth2 {
			continue
		}
		h := "imap://" + strings.ToLower(a.Host)
		for _, c := range append(byHost[h], byHost[h+":"+strconv.Itoa(a.Port)]...) {
			if c.user == a.Username {
				a.Password = c.pass
			}
		}
		if e := a.SMTP; a.Password == "" && e != nil && e.Username == "" {
			// One credential: the saved sending password will do (Thunderbird
			// keys it smtp://HOST, without the port).
			for _, c := range byHost["smtp://"+strings.ToLower(e.Host)] {
				if c.user == a.Username {
					a.Password = c.pass
				}
			}
		}
		if a.Password == "" {
			a.Note = "Thunderbird has no saved password for this server"
		}
	}
	return nil
}

// readKey4 reads the rows import needs from key4.db.
func readKey4(path string) (*key4Rows, error) {
	data, err := readRegular(path, MaxKey4Bytes)
	if err != nil {
		return nil, err
	}
	db, err := openSQLite(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	meta, err := db.table("metaData")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rows := &key4Rows{}
	for _, m := range meta {
		if m["id"] == "password" {
			rows.globalSalt, _ = m["item1"].([]byte)
			rows.check, _ = m["item2"].([]byte)
		}
	}
	if rows.check == nil {
		return nil, fmt.Errorf("%s: no password check entry (is this an NSS key4.db?)", path)
	}
	priv, err := db.table("nssPrivate")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, p := range priv {
		a11, _ := p["a11"].([]byte)
		a102, _ := p["a102"].([]byte)
		if a11 != nil {
			rows.private = append(rows.private, struct{ a11, a102 []byte }{a11, a102})
		}
	}
	return rows, nil
}
