package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	// Hidden (no summary): the completion scripts call it.
	register(command{name: "__complete", run: runComplete})
}

// Completion output: the first line is a directive, the rest candidates.
const (
	directiveWords   = "!words"   // offer the lines that follow
	directiveFiles   = "!files"   // let the shell complete file names
	directiveMessage = "!message" // offer nothing; the next line says why (zsh shows it)
)

// runComplete answers a shell's completion request:
//
//	imapvault __complete bash LINE      (bash: the line up to the cursor)
//	imapvault __complete zsh|fish -- WORD...  (words so far; the last is the one being completed)
//
// It never prompts and never fails loudly: a completion that can't be
// computed offers nothing.
func runComplete(e *env, args []string) error {
	if len(args) < 1 {
		return nil
	}
	shell, rest := args[0], args[1:]
	var words []string
	switch {
	case shell == "bash" && len(rest) == 1:
		words = splitLine(rest[0])
	case len(rest) > 0 && rest[0] == "--":
		for _, w := range rest[1:] {
			words = append(words, unquoteWord(w))
		}
	default:
		return nil
	}
	if len(words) == 0 {
		words = []string{""}
	}
	directive, cands := completeWords(e, words[1:])
	cur := words[len(words)-1]
	if len(words) == 1 {
		cur = ""
	}
	if shell == "bash" {
		// bash replaces only the part after the last = or : of the word.
		if i := strings.LastIndexAny(cur, "=:"); i >= 0 {
			for j, c := range cands {
				cands[j] = strings.TrimPrefix(c, cur[:i+1])
			}
		}
	}
	fmt.Fprintln(e.stdout, directive)
	for _, c := range cands {
		if shell == "bash" && directive != directiveMessage {
			c = bashEscape(c)
		}
		fmt.Fprintln(e.stdout, c)
	}
	return nil
}

// completeWords completes the last of words (the command line after the
// program name; the last word may be empty).
func completeWords(e *env, words []string) (string, []string) {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	// Take the global flags out, keeping the vault and identity they name.
	var rest []string
	for i := 0; i < len(before); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(before[i], "-"), "=")
		if strings.HasPrefix(before[i], "-") && globalFlags[name] {
			if !hasVal && i+1 < len(before) {
				i++
				val = before[i]
			}
			e.setGlobal(name, val)
			continue
		}
		rest = append(rest, before[i])
	}
	if len(before) > 0 && strings.HasPrefix(before[len(before)-1], "--") && globalFlags[strings.TrimLeft(before[len(before)-1], "-")] {
		return directiveFiles, nil // the value of --vault and friends
	}
	if _, err := e.parseGlobals(nil); err != nil {
		return directiveWords, nil
	}

	// The command and subcommand, the positional arguments so far, and
	// whether the word before the cursor is a flag that wants a value.
	path, pos, valueOf := []string{}, 0, ""
	var help helpDoc
	for i, w := range rest {
		switch {
		case len(path) == 0 && !strings.HasPrefix(w, "-"):
			path = append(path, w)
			help, _ = commandHelp(w)
		case len(path) == 1 && pos == 0 && !strings.HasPrefix(w, "-") && contains(subcommands[path[0]], w):
			path = append(path, w)
			if h, ok := commandHelp(path...); ok {
				help = h
			}
		case strings.HasPrefix(w, "-"):
			if f, ok := help.flag(w); ok && !f.isBool && !strings.Contains(w, "=") && i == len(rest)-1 {
				valueOf = "--" + f.name
			}
		default:
			if i > 0 && flagTakesValue(help, rest[i-1]) {
				continue
			}
			pos++
		}
	}
	cmd := strings.Join(path, " ")

	if flag, val, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(cur, "-") {
		d, vals := flagValueCands(e, cmd, help, flag)
		return d, withPrefix(flag+"=", filterPrefix(vals, val))
	}
	if valueOf != "" {
		d, vals := flagValueCands(e, cmd, help, valueOf)
		return d, filterPrefix(vals, cur)
	}
	if strings.HasPrefix(cur, "-") {
		var names []string
		for _, f := range help.flags {
			names = append(names, "--"+f.name)
		}
		for _, g := range globalFlagDocs {
			names = append(names, "--"+g.name)
		}
		if len(path) == 0 {
			names = append(names, "--help", "--version")
		}
		return directiveWords, filterPrefix(names, cur)
	}
	if len(path) == 0 {
		return directiveWords, filterPrefix(append(visibleCommands(), "help"), cur)
	}
	if len(path) == 1 && pos == 0 && len(subcommands[cmd]) > 0 {
		subs := filterPrefix(subcommands[cmd], cur)
		if p := positionals[cmd]; len(p) == 0 || p[0] == "" {
			return directiveWords, subs
		}
	}
	kinds := positionals[cmd]
	if len(kinds) == 0 {
		return directiveWords, nil
	}
	kind := kinds[min(pos, len(kinds)-1)]
	return valueCands(e, kind, cur)
}

func (h helpDoc) flag(w string) (flagDoc, bool) {
	name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
	for _, f := range h.flags {
		if f.name == name {
			return f, true
		}
	}
	return flagDoc{}, false
}

func flagTakesValue(h helpDoc, w string) bool {
	f, ok := h.flag(w)
	return ok && strings.HasPrefix(w, "-") && !f.isBool && !strings.Contains(w, "=")
}

// flagValueCands offers the values of a flag: its value set, or file
// names when its value is a file.
func flagValueCands(e *env, cmd string, h helpDoc, flag string) (string, []string) {
	flag = "--" + strings.TrimLeft(flag, "-")
	set, ok := flagValues[cmd+" "+flag]
	if !ok {
		set, ok = flagValues[flag]
	}
	if !ok {
		if f, found := h.flag(flag); found && (f.arg == "FILE" || f.arg == "PATH" || f.arg == "DIR") {
			set = "files"
		}
	}
	d, vals := valueCands(e, set, "")
	return d, vals
}

// valueCands offers the values of one value set, filtered by cur.
func valueCands(e *env, set, cur string) (string, []string) {
	switch set {
	case "":
		return directiveWords, nil
	case "files":
		return directiveFiles, nil
	case "names":
		names, why := completionNames(e)
		if names == nil && why != "" {
			return directiveMessage, []string{termtext.Line(why)}
		}
		return directiveWords, filterPrefix(names, cur)
	}
	if f := valueSets[set]; f != nil {
		return directiveWords, filterPrefix(f(), cur)
	}
	return directiveWords, nil
}

// namesFromAgent, when set (by the unlock agent), returns the account
// names from a running, unlocked agent; ok is false when there is none or
// it is locked, and lost then says which socket it asked and what it
// found. It must never prompt.
var namesFromAgent func(e *env) (names []string, lost string, ok bool)

// completionNames lists the account names for completion without ever
// asking anything: from the agent when it is unlocked, else from the vault
// when the identity opens it without a passphrase or a plugin (a plain age
// identity), else nothing, and why when it is the agent that is missing.
func completionNames(e *env) (names []string, why string) {
	lost := ""
	if namesFromAgent != nil {
		var ok bool
		if names, lost, ok = namesFromAgent(e); ok {
			return names, ""
		}
	}
	if kind, err := vault.DetectIdentity(e.identityPath); err != nil || kind != vault.IdentityPlain {
		if err == nil && kind.NeedsPassphrase() && lost != "" {
			return nil, "account names: locked, run 'imapvault unlock' (" + lost + ")"
		}
		return nil, ""
	}
	id, err := vault.LoadIdentity(e.identityPath, func() ([]byte, error) { return nil, errors.New("no prompts in completion") })
	if err != nil {
		return nil, ""
	}
	f, err := vault.Open(e.vaultPath, id)
	if err != nil {
		return nil, ""
	}
	names = make([]string, 0, len(f.Vault.Accounts))
	for _, a := range f.Vault.Accounts {
		// A name with control characters would act on the terminal or
		// break the one-per-line answer: type it by hand.
		if termtext.Safe(a.Name) {
			names = append(names, a.Name)
		}
	}
	sort.Strings(names)
	return names, ""
}

func (e *env) setGlobal(name, val string) {
	switch name {
	case "vault":
		e.vaultPath = val
	case "identity":
		e.identityPath = val
	case "passphrase-file":
		e.passphraseFile = val
	}
}

func filterPrefix(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

func withPrefix(prefix string, list []string) []string {
	for i := range list {
		list[i] = prefix + list[i]
	}
	return list
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// splitLine splits a shell line into words the way the shell would for
// plain words: blanks separate, quotes and backslashes group. An open
// quote or a trailing blank leaves the last word open ("" when blank).
func splitLine(line string) []string {
	var words []string
	var b strings.Builder
	inWord, quote := false, rune(0)
	esc := false
	for _, r := range line {
		switch {
		case esc:
			b.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			b.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	return append(words, b.String())
}

// unquoteWord undoes the quoting zsh leaves in its words.
func unquoteWord(w string) string {
	ws := splitLine(w)
	return strings.Join(ws, " ")
}

// bashEscape backslash-escapes what bash would otherwise split or expand.
func bashEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(" \t\n\\'\"`$&|;<>()*?[]{}!#~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
