package importers

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// ParseMbsync reads an isync/mbsync config (~/.mbsyncrc). It follows
// isync 1.4's config.c: a line is a keyword and a value; a token may be
// quoted with "..." and may escape any printable character with a
// backslash; a # at the start of a token starts a comment; a blank line or
// the next section keyword ends a section. Accounts come from IMAPAccount
// sections and from IMAPStore sections that carry their own Host.
func ParseMbsync(file string, data []byte) (*Result, error) {
	r := &Result{}
	var cur *Account
	var mechs, userCmd string
	var sslSet, tunnel, isStore bool
	flush := func() {
		if cur == nil {
			return
		}
		a := *cur
		switch {
		case isStore && a.Host == "" && !tunnel:
			// An IMAPStore that names an IMAPAccount (imported from its own
			// section), or an incomplete one mbsync would refuse anyway.
		case tunnel:
			r.Skipped = append(r.Skipped, Skip{a.Where, "account " + strconv.Quote(a.Name) + " connects through a Tunnel command, not a host"})
		default:
			if !sslSet {
				// isync 1.4: IMAPS when the port is 993, STARTTLS otherwise.
				if a.Port == 0 || a.Port == 993 {
					a.Security = vault.TLS
				} else {
					a.Security = vault.STARTTLS
				}
			}
			up := strings.ToUpper(mechs)
			if strings.Contains(up, "XOAUTH2") || strings.Contains(up, "OAUTHBEARER") {
				// PassCmd prints a token here, not a password.
				a.OAuth2, a.TokenCmd, a.PassCmd, a.Password = true, a.PassCmd, "", ""
				a.Mech = "XOAUTH2"
				if !strings.Contains(up, "XOAUTH2") {
					a.Mech = "OAUTHBEARER"
				}
			}
			if a.Username == "" && userCmd != "" {
				a.Note = "the username comes from a UserCmd, which import does not run"
			}
			r.Accounts = append(r.Accounts, a)
		}
		cur, mechs, userCmd, sslSet, tunnel, isStore = nil, "", "", false, false, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		toks, err := mbsyncTokens(sc.Text())
		if err != nil {
			return nil, synErr(file, line, "%s", err)
		}
		if len(toks) == 0 {
			if blankLine(sc.Text()) {
				flush()
			}
			continue
		}
		if len(toks) < 2 {
			return nil, synErr(file, line, "parameter missing")
		}
		key, val := strings.ToLower(toks[0]), toks[1]
		switch key {
		case "imapaccount", "imapstore":
			flush()
			cur = &Account{Name: val, Where: where(file, line)}
			isStore = key == "imapstore"
			continue
		case "maildirstore", "channel", "group":
			flush()
			continue
		}
		if cur == nil {
			continue
		}
		switch key {
		case "host":
			cur.Host = val
		case "port":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 65535 {
				return nil, synErr(file, line, "invalid integer value for Port")
			}
			cur.Port = n
		case "user":
			cur.Username = val
		case "usercmd":
			userCmd = val
		case "pass":
			cur.Password = val
		case "passcmd":
			// A leading + asks mbsync to run it interactively; we run
			// every command without stdin anyway.
			cur.PassCmd = strings.TrimPrefix(val, "+")
		case "tunnel":
			tunnel = true
		case "authmechs", "authmech":
			mechs += " " + strings.Join(toks[1:], " ")
		case "ssltype", "tlstype":
			sslSet = true
			switch strings.ToLower(val) {
			case "none":
				cur.Security = vault.Insecure
			case "starttls":
				cur.Security = vault.STARTTLS
			case "imaps":
				cur.Security = vault.TLS
			default:
				return nil, synErr(file, line, "invalid %s value (want None, STARTTLS or IMAPS)", toks[0])
			}
		case "useimaps":
			sslSet = true
			if mbsyncBool(val) {
				cur.Security = vault.TLS
			} else {
				cur.Security = vault.STARTTLS
			}
		}
		switch key {
		case "host", "port", "user", "usercmd", "pass", "passcmd", "tunnel", "ssltype", "tlstype", "useimaps":
			if len(toks) > 2 {
				return nil, synErr(file, line, "excess token after %s", toks[0])
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, synErr(file, line+1, "%v", err)
	}
	flush()
	return finish(r), nil
}

func blankLine(s string) bool {
	t := strings.TrimSpace(s)
	return t == ""
}

func mbsyncBool(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "true", "on", "1":
		return true
	}
	return false
}

// mbsyncTokens splits a line the way isync's get_arg does. A line that is
// only a comment yields no tokens.
func mbsyncTokens(line string) ([]string, error) {
	var toks []string
	p := 0
	for {
		for p < len(line) && isSpace(line[p]) {
			p++
		}
		if p >= len(line) || line[p] == '#' {
			return toks, nil
		}
		var t strings.Builder
		escaped, quoted := false, false
		for p < len(line) {
			c := line[p]
			p++
			if escaped && c >= 32 {
				escaped = false
				t.WriteByte(c)
			} else if c == '\\' {
				escaped = true
			} else if c == '"' {
				quoted = !quoted
			} else if !quoted && isSpace(c) {
				break
			} else {
				t.WriteByte(c)
			}
		}
		if escaped {
			return nil, errString("unterminated escape sequence")
		}
		if quoted {
			return nil, errString("missing closing quote")
		}
		toks = append(toks, t.String())
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

type errString string

func (e errString) Error() string { return string(e) }

func where(file string, line int) string { return file + ":" + strconv.Itoa(line) }
