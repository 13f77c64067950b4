package importers

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// msmtpMaxLine is msmtp's line limit (conf.c's LINEBUFSIZE less one).
const msmtpMaxLine = 500

// msmtpAcct is one msmtp account as conf.c keeps it: the values of the
// commands the vault cares about (normalized) and which of them were set,
// here or in an account it inherited from (conf.c's mask).
type msmtpAcct struct {
	name    string
	line    int
	vals    map[string]string
	set     map[string]bool
	own     bool // set anything after its account line
	parents []string
}

func (a *msmtpAcct) copyOf(from *msmtpAcct) {
	a.vals, a.set = map[string]string{}, map[string]bool{}
	for k, v := range from.vals {
		a.vals[k] = v
	}
}

// inherit is conf.c's override_account: what p set, a takes, and counts
// as set.
func (a *msmtpAcct) inherit(p *msmtpAcct) {
	for k := range p.set {
		a.vals[k] = p.vals[k]
		a.set[k] = true
	}
}

// ParseMsmtp reads an msmtp config (~/.msmtprc) the way msmtp 1.8's conf.c
// does: each line is a command and an argument (the rest of the line,
// trimmed, one pair of enclosing double quotes removed, no escapes); blank
// lines and lines starting with # are nothing; a line holds at most 500
// characters. "defaults" starts settings later accounts start from;
// "account NAME [: A, B]" starts an account from the defaults, then takes
// every setting of the earlier accounts it lists; settings before any
// account make one named "default". tls is off and auth off unless said;
// the port is 25, or 465 with tls on and tls_starttls off; password wins
// over passwordeval. eval lines (run by msmtp as it reads the file) are
// not run. Each account becomes a sending half (SendOnly) for Plan to join
// to its IMAP account.
func ParseMsmtp(file string, data []byte) (*Result, error) {
	r := &Result{}
	defaults := &msmtpAcct{vals: map[string]string{}, set: map[string]bool{}}
	byName := map[string]*msmtpAcct{}
	var order []*msmtpAcct
	var cur *msmtpAcct
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := strings.TrimSuffix(sc.Text(), "\r")
		if len(raw) >= msmtpMaxLine {
			return nil, synErr(file, line, "line longer than msmtp reads (%d characters with its newline)", msmtpMaxLine)
		}
		cmd, arg, ok := msmtpLine(raw)
		if !ok {
			continue
		}
		if cmd == "eval" {
			r.Skipped = append(r.Skipped, Skip{where(file, line), "an eval line is not run: import cannot know what it sets"})
			continue
		}
		if cur == nil && cmd != "account" && cmd != "defaults" {
			cur = &msmtpAcct{name: "default", line: line}
			cur.copyOf(defaults)
			byName["default"] = cur
			order = append(order, cur)
		}
		switch cmd {
		case "defaults":
			if arg != "" {
				return nil, synErr(file, line, "command defaults does not take an argument")
			}
			cur = defaults
			continue
		case "account":
			a, err := msmtpNewAccount(file, line, arg, defaults, byName)
			if err != nil {
				return nil, err
			}
			byName[a.name] = a
			order = append(order, a)
			cur = a
			continue
		}
		if err := cur.apply(file, line, cmd, arg); err != nil {
			return nil, err
		}
		cur.own = true
	}
	if err := sc.Err(); err != nil {
		return nil, synErr(file, line+1, "%v", err)
	}
	for _, m := range order {
		if a, skip := m.account(file); skip != "" {
			r.Skipped = append(r.Skipped, Skip{where(file, m.line), skip})
		} else {
			r.Accounts = append(r.Accounts, a)
		}
	}
	return finish(r), nil
}

// msmtpLine splits a line as conf.c's get_cmd: the command runs to the
// first blank, the argument is the rest, trimmed. ok is false for a blank
// or comment line.
func msmtpLine(l string) (cmd, arg string, ok bool) {
	t := strings.TrimLeft(l, " \t")
	if t == "" || t[0] == '#' {
		return "", "", false
	}
	i := strings.IndexAny(t, " \t")
	if i < 0 {
		return t, "", true
	}
	return t[:i], msmtpTrim(t[i:]), true
}

// msmtpTrim is conf.c's trim_string: blanks off both ends, then one pair
// of enclosing double quotes.
func msmtpTrim(s string) string {
	s = strings.Trim(s, " \t")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

func msmtpNewAccount(file string, line int, arg string, defaults *msmtpAcct, byName map[string]*msmtpAcct) (*msmtpAcct, error) {
	name, list, inherits := strings.Cut(arg, ":")
	if inherits {
		name = msmtpTrim(name)
	}
	a := &msmtpAcct{name: name, line: line}
	a.copyOf(defaults)
	if inherits {
		for _, p := range strings.Split(list, ",") {
			p = msmtpTrim(p)
			if p == "" {
				return nil, synErr(file, line, "missing account name")
			}
			pa := byName[p]
			if pa == nil {
				return nil, synErr(file, line, "account %s not (yet) defined", p)
			}
			a.inherit(pa)
			a.parents = append(a.parents, p)
		}
	}
	switch {
	case name == "":
		return nil, synErr(file, line, "missing account name")
	case strings.ContainsAny(name, ":,"):
		return nil, synErr(file, line, "an account name must not contain colons or commas")
	case byName[name] != nil:
		return nil, synErr(file, line, "account %s was already defined", name)
	}
	return a, nil
}

// apply applies one command; values msmtp refuses are refused here too,
// without quoting them. Every other command (timeouts, logging, headers,
// TLS files...) says nothing the vault keeps, and newer msmtp versions add
// more of them, so they pass.
func (a *msmtpAcct) apply(file string, line int, cmd, arg string) error {
	put := func(k, v string) { a.vals[k], a.set[k] = v, true }
	onOff := func(k string) error {
		switch arg {
		case "", "on":
			put(k, "on")
		case "off":
			put(k, "off")
		default:
			return synErr(file, line, "invalid argument for command %s (want on or off)", cmd)
		}
		return nil
	}
	switch cmd {
	case "host":
		if arg == "" {
			return synErr(file, line, "command host needs an argument")
		}
		put("host", arg)
	case "port":
		n, err := strconv.ParseInt(arg, 0, 32)
		if err != nil || n < 1 || n > 65535 {
			return synErr(file, line, "invalid argument for command port")
		}
		put("port", strconv.Itoa(int(n)))
	case "from", "user", "password", "passwordeval", "socket":
		put(cmd, arg)
	case "auth":
		switch arg {
		case "", "on":
			put("auth", "on")
		case "off":
			put("auth", "")
		case "plain", "login", "scram-sha-1", "scram-sha-256", "scram-sha-1-plus", "scram-sha-256-plus",
			"cram-md5", "digest-md5", "gssapi", "external", "ntlm", "oauthbearer", "xoauth2":
			put("auth", arg)
		default:
			return synErr(file, line, "invalid argument for command auth")
		}
	case "tls", "tls_starttls":
		return onOff(cmd)
	case "tls_nostarttls":
		put("tls_starttls", "off")
	}
	return nil
}

// account turns the settings into a sending half, or says why it is none.
func (a *msmtpAcct) account(file string) (Account, string) {
	q := strconv.Quote(a.name)
	v := a.vals
	auth := v["auth"]
	switch {
	case a.name == "default" && len(a.parents) == 1 && !a.own:
		return Account{}, fmt.Sprintf("account %s only names msmtp's default (%s)", q, a.parents[0])
	case v["socket"] != "":
		return Account{}, fmt.Sprintf("account %s sends through a local socket, not a server", q)
	case auth == "":
		return Account{}, fmt.Sprintf("account %s sends without logging in (auth is off): no credential to keep", q)
	case auth == "gssapi" || auth == "external":
		return Account{}, fmt.Sprintf("account %s logs in with %s, not a password", q, strings.ToUpper(auth))
	}
	port, _ := strconv.Atoi(v["port"])
	e := &vault.Endpoint{Host: v["host"], Port: port}
	tls, startTLS := v["tls"] == "on", v["tls_starttls"] != "off"
	switch {
	case tls && !startTLS:
		e.Security = vault.TLS
		if e.Port == 0 {
			e.Port = 465
		}
	case tls:
		e.Security = vault.STARTTLS
	case auth == "plain" || auth == "login":
		// The user chose a cleartext login without TLS: that is said.
		e.Security = vault.Insecure
	default:
		// Without TLS msmtp picks only a challenge method and never sends
		// the password in the clear; imapvault's check would.
		return Account{}, fmt.Sprintf("account %s sends without TLS (tls off) and imapvault logs in without TLS only where an account says insecure: set tls on, or add it with --smtp-security insecure", q)
	}
	if e.Port == 0 {
		e.Port = 25
	}
	acc := Account{Name: a.name, Username: v["user"], SMTP: e, SendOnly: true, Where: where(file, a.line)}
	if addr := strings.TrimSpace(v["from"]); addr != "" && !strings.ContainsAny(addr, "%*?[") && vault.CheckAddress(addr) == nil {
		acc.Address = addr
	}
	switch {
	case auth == "oauthbearer" || auth == "xoauth2":
		acc.OAuth2, acc.Mech, acc.TokenCmd = true, strings.ToUpper(auth), v["passwordeval"]
	case v["password"] != "":
		acc.Password = v["password"]
	case v["passwordeval"] != "":
		acc.PassCmd = v["passwordeval"]
	default:
		acc.Note = "msmtp finds this password in the keyring or ~/.netrc, which import does not read"
	}
	return acc, ""
}
