package importers

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// ParseMutt reads a muttrc/neomuttrc. Lines ending in \ continue; ; splits
// commands; # starts a comment; words follow mutt's extract_token: '...'
// is literal, "..." and bare words take \ escapes, `cmd` is a command (kept,
// never run here). Accounts are the imap:// and imaps:// mailboxes the file
// names (folder, spoolfile, mailboxes, account-hook patterns); each gets
// imap_user/imap_pass from the URL, else the account-hooks whose pattern
// matches it, else the global settings. `source` is not followed.
func ParseMutt(file string, data []byte) (*Result, error) {
	return ParseMuttFiles(file, data, nil)
}

// ParseMuttFiles is ParseMutt that also follows `source FILE` (relative
// to the sourcing file, ~/ as the home folder, at most 10 deep, never a
// "command|" source) through read (ReadSourced: regular files, each
// bounded), at most MaxSourcedFiles files and MaxSourcedBytes in all; nil
// read skips sourced files with a note.
func ParseMuttFiles(file string, data []byte, read func(string) ([]byte, error)) (*Result, error) {
	r := &Result{}
	cmds, err := muttExpand(file, data, read, 0, r, &sourceBudget{})
	if err != nil {
		return nil, err
	}
	globals := map[string]muttWord{}
	var hooks, fhooks []muttHookDef
	type mailbox struct {
		u     string
		file  string
		line  int
		label string // named-mailboxes' description
	}
	var boxes []mailbox
	addBox := func(v string, file string, line int) {
		if strings.HasPrefix(v, "imap://") || strings.HasPrefix(v, "imaps://") {
			boxes = append(boxes, mailbox{u: v, file: file, line: line})
		}
	}
	for _, c := range cmds {
		file := c.file
		switch c.words[0].text {
		case "set":
			vars, err := muttSet(file, c.line, c.words[1:])
			if err != nil {
				return nil, err
			}
			for k, v := range vars {
				globals[k] = v
				if k == "folder" || k == "spoolfile" || k == "spool_file" {
					addBox(v.text, file, c.line)
				}
			}
		case "mailboxes", "named-mailboxes":
			for i, w := range c.words[1:] {
				if c.words[0].text == "named-mailboxes" && i%2 == 0 {
					continue
				}
				addBox(w.text, file, c.line)
				if c.words[0].text == "named-mailboxes" && len(boxes) > 0 && boxes[len(boxes)-1].u == w.text {
					boxes[len(boxes)-1].label = c.words[i].text
				}
			}
		case "account-hook":
			if len(c.words) != 3 {
				return nil, synErr(file, c.line, "account-hook takes a pattern and a command")
			}
			h, err := muttHook(c, c.words[1].text, c.words[2].text)
			if err != nil {
				return nil, err
			}
			hooks = append(hooks, h)
		case "folder-hook":
			// Multi-account setups switch From and the SMTP server per
			// folder; only those settings are taken from a folder-hook.
			ws := c.words[1:]
			if len(ws) == 3 && ws[0].text == "-noregex" {
				ws = ws[1:]
			}
			if len(ws) != 2 || strings.HasPrefix(ws[0].text, "!") {
				continue
			}
			pat := ws[0].text
			if len(c.words) == 4 {
				pat = regexp.QuoteMeta(pat)
			}
			h, err := muttHook(c, pat, ws[1].text)
			if err != nil {
				continue // a shortcut like +work that is no regexp: not ours to judge
			}
			for k := range h.vars {
				if !muttSendingVars[k] {
					delete(h.vars, k)
				}
			}
			fhooks = append(fhooks, h)
		}
	}
	// A hook whose pattern matches no mailbox the file names is an account
	// of its own (mutt would reach it through a folder the user types).
	real := boxes
	for _, h := range hooks {
		matched := false
		for _, b := range real {
			matched = matched || hookMatches(h.re, b.u)
		}
		if !matched {
			addBox(h.pat, h.file, h.line)
		}
	}
	seen := map[string]bool{}
	labels := map[string]int{} // key -> index in r.Accounts
	var sendVars []map[string]muttWord
	for _, b := range boxes {
		u, err := url.Parse(b.u)
		if err != nil || u.Hostname() == "" {
			continue
		}
		vars := map[string]muttWord{}
		for k, v := range globals {
			vars[k] = v
		}
		hooked := map[string]bool{} // set for this account by a hook
		for _, h := range fhooks {
			if hookMatches(h.re, b.u) {
				for k, v := range h.vars {
					vars[k], hooked[k] = v, true
				}
			}
		}
		hookName := ""
		for _, h := range hooks {
			if hookMatches(h.re, b.u) {
				for k, v := range h.vars {
					vars[k], hooked[k] = v, true
				}
				if muttWordName.MatchString(h.pat) {
					hookName = h.pat
				}
			}
		}
		a := Account{Host: u.Hostname(), Where: where(b.file, b.line)}
		if p := u.Port(); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 || n > 65535 {
				return nil, synErr(b.file, b.line, "bad port in an imap URL")
			}
			a.Port = n
		}
		switch {
		case u.Scheme == "imaps":
			a.Security = vault.TLS
		case muttFalse(vars["ssl_starttls"].text) && !muttTrue(vars["ssl_force_tls"].text):
			a.Security = vault.Insecure
		default:
			a.Security = vault.STARTTLS
		}
		pass := vars["imap_pass"]
		if u.User != nil {
			a.Username = u.User.Username()
			if p, ok := u.User.Password(); ok {
				pass = muttWord{text: p}
			}
		}
		if a.Username == "" {
			user := vars["imap_user"]
			if user.cmd != "" {
				a.Note = "the username comes from a command, which import does not run"
			}
			a.Username = user.text
		}
		if a.Username == "" {
			// mutt logs in as the local user then; import cannot guess it.
			continue
		}
		if a.Port == 0 {
			a.Port = a.Security.DefaultPort()
		}
		k := Key(a.Host, a.Port, a.Username)
		if seen[k] {
			if i := labels[k]; b.label != "" && r.Accounts[i].Name == muttUserName(r.Accounts[i]) {
				r.Accounts[i].Name = b.label // a later named-mailboxes names it
			}
			continue
		}
		seen[k] = true
		labels[k] = len(r.Accounts)
		if pass.cmd != "" {
			a.PassCmd = pass.cmd
		} else {
			a.Password = pass.text
		}
		if auth := strings.ToLower(vars["imap_authenticators"].text); strings.Contains(auth, "oauth") {
			a.OAuth2, a.Password, a.PassCmd = true, "", ""
			a.Mech = "OAUTHBEARER"
			if strings.Contains(auth, "xoauth2") {
				a.Mech = "XOAUTH2"
			}
			a.TokenCmd = vars["imap_oauth_refresh_command"].text
		}
		muttSending(&a, vars, hooked)
		sendVars = append(sendVars, vars)
		if sp := vars["smtp_pass"]; a.Password == "" && a.PassCmd == "" && !a.OAuth2 && a.SMTP != nil && a.SMTP.Username == "" {
			// One credential for both: the sending one will do.
			a.Password, a.PassCmd = sp.text, sp.cmd
			if sp.cmd != "" {
				a.Password = ""
			}
		}
		// Named as the user knows it: a named mailbox's label, an
		// account-hook named by a word, else the login.
		switch {
		case b.label != "":
			a.Name = b.label
		case hookName != "":
			a.Name = hookName
		default:
			a.Name = muttUserName(a)
		}
		r.Accounts = append(r.Accounts, a)
	}
	if len(r.Accounts) == 1 {
		// One account: the global From and SMTP server are its own.
		muttSending(&r.Accounts[0], sendVars[0], nil)
	}
	return finish(r), nil
}

// muttHookDef is one account-hook (or folder-hook): its pattern and the
// variables its command sets.
type muttHookDef struct {
	re   *regexp.Regexp
	vars map[string]muttWord
	pat  string
	file string
	line int
}

// muttSendingVars are what a folder-hook may give an account.
var muttSendingVars = map[string]bool{"from": true, "smtp_url": true, "smtp_user": true, "smtp_pass": true}

func muttHook(c muttCmd, pat, command string) (muttHookDef, error) {
	name := c.words[0].text
	re, err := regexp.Compile(pat)
	if err != nil {
		return muttHookDef{}, synErr(c.file, c.line, "%s pattern is not a regular expression", name)
	}
	sub, err := muttCommands(c.file, []byte(command))
	if err != nil {
		return muttHookDef{}, synErr(c.file, c.line, "in the %s command: %s", name, err.(*SyntaxError).Msg)
	}
	vars := map[string]muttWord{}
	for _, sc := range sub {
		if sc.words[0].text != "set" {
			continue
		}
		v, err := muttSet(c.file, c.line, sc.words[1:])
		if err != nil {
			return muttHookDef{}, err
		}
		for k, w := range v {
			vars[k] = w
		}
	}
	return muttHookDef{re, vars, strings.ReplaceAll(pat, `\.`, "."), c.file, c.line}, nil
}

// muttExpand reads a file's commands, splicing in sourced files.
func muttExpand(file string, data []byte, read func(string) ([]byte, error), depth int, r *Result, budget *sourceBudget) ([]muttCmd, error) {
	cmds, err := muttCommands(file, data)
	if err != nil {
		return nil, err
	}
	var out []muttCmd
	for _, c := range cmds {
		if c.words[0].text != "source" {
			out = append(out, c)
			continue
		}
		for _, w := range c.words[1:] {
			src := w.text
			switch {
			case strings.HasSuffix(src, "|") || w.cmd != "":
				r.Skipped = append(r.Skipped, Skip{where(file, c.line), "a sourced command is not run"})
				continue
			case read == nil:
				r.Skipped = append(r.Skipped, Skip{where(file, c.line), "a sourced file is not followed: import it on its own"})
				continue
			case depth >= 10:
				return nil, synErr(file, c.line, "source nests more than 10 deep")
			}
			if rest, ok := strings.CutPrefix(src, "~/"); ok {
				home, _ := os.UserHomeDir()
				src = filepath.Join(home, rest)
			} else if !filepath.IsAbs(src) {
				src = filepath.Join(filepath.Dir(file), src)
			}
			data, err := read(src)
			if errors.Is(err, os.ErrNotExist) {
				// neomutt says so and reads on; so does import.
				r.Skipped = append(r.Skipped, Skip{where(file, c.line), "the sourced file " + src + " does not exist: read on without it"})
				continue
			}
			if err != nil {
				return nil, synErr(file, c.line, "cannot read the sourced file: %v", errors.Unwrap(err))
			}
			if err := budget.take(len(data)); err != nil {
				return nil, synErr(file, c.line, "%v: is it sourcing itself?", err)
			}
			sub, err := muttExpand(src, data, read, depth+1, r, budget)
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		}
	}
	return out, nil
}

func muttTrue(s string) bool  { return s == "yes" || s == "true" || s == "on" }
func muttFalse(s string) bool { return s == "no" || s == "false" || s == "off" }

// muttSet reads the words after set: name=value (the tokenizer marks
// name words that had an =), name, noname, invname.
func muttSet(file string, line int, ws []muttWord) (map[string]muttWord, error) {
	out := map[string]muttWord{}
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		name := strings.ToLower(w.text)
		if w.assign {
			if i+1 >= len(ws) {
				return nil, synErr(file, line, "set %s= has no value", name)
			}
			i++
			out[name] = ws[i]
			continue
		}
		switch {
		case strings.HasPrefix(name, "no"):
			out[name[2:]] = muttWord{text: "no"}
		case strings.HasPrefix(name, "inv"), strings.HasPrefix(name, "?"), strings.HasPrefix(name, "&"):
		default:
			out[name] = muttWord{text: "yes"}
		}
	}
	return out, nil
}

// hookMatches: neomutt matches an account-hook against the URL as it
// renders it (email/url.c url_tostring: the user percent-encoded only in
// " /:&%="), not as the config spelled it: "user%40example.org@host" is
// matched as "user@example.org@host". Either form counts here.
func hookMatches(re *regexp.Regexp, box string) bool {
	return re.MatchString(box) || re.MatchString(neomuttURL(box))
}

func neomuttURL(box string) string {
	u, err := url.Parse(box)
	if err != nil || u.User == nil {
		return box
	}
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	for _, r := range u.User.Username() {
		if strings.ContainsRune(" /:&%=", r) {
			fmt.Fprintf(&b, "%%%02X", r)
		} else {
			b.WriteRune(r)
		}
	}
	b.WriteString("@" + u.Host)
	if u.Path == "" {
		b.WriteString("/")
	}
	b.WriteString(u.Path)
	return b.String()
}
