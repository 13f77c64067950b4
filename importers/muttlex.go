package importers

import (
	"strings"
)

// muttWord is one word of a mutt command.
type muttWord struct {
	text   string
	quoted bool
	// cmd is set when the word is one backtick command: mutt would run it
	// and use its output.
	cmd string
	// assign marks a set name followed by = (or += / -=).
	assign bool
}

type muttCmd struct {
	file  string
	line  int
	words []muttWord
}

var muttSetCmds = map[string]bool{"set": true, "unset": true, "reset": true, "toggle": true}

// muttCommands splits a muttrc into commands the way mutt's
// mutt_extract_token does.
func muttCommands(file string, data []byte) ([]muttCmd, error) {
	var out []muttCmd
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		l := lines[i]
		// A line ending in an odd number of backslashes continues.
		for strings.HasSuffix(l, `\`) && !strings.HasSuffix(l, `\\`) && i+1 < len(lines) {
			i++
			l = l[:len(l)-1] + lines[i]
		}
		lx := &muttLexer{s: l}
		for {
			var words []muttWord
			setMode := false
			for {
				lx.skipSpace()
				if lx.atEnd() {
					break
				}
				if c := lx.s[lx.p]; c == '#' {
					lx.p = len(lx.s)
					break
				} else if c == ';' {
					lx.p++
					break
				}
				stopEq := setMode
				w, err := lx.word(stopEq)
				if err != nil {
					return nil, synErr(file, start, "%s", err)
				}
				if setMode && lx.p < len(lx.s) && lx.s[lx.p] == '=' {
					lx.p++
					w.assign = true
					w.text = strings.TrimRight(w.text, "+-")
					words = append(words, w)
					lx.skipSpace()
					v, err := lx.word(false)
					if err != nil {
						return nil, synErr(file, start, "%s", err)
					}
					words = append(words, v)
					continue
				}
				words = append(words, w)
				if len(words) == 1 && muttSetCmds[w.text] {
					setMode = true
				}
			}
			if len(words) > 0 {
				out = append(out, muttCmd{file: file, line: start, words: words})
			}
			if lx.atEnd() {
				break
			}
		}
	}
	return out, nil
}

type muttLexer struct {
	s string
	p int
}

func (l *muttLexer) atEnd() bool { return l.p >= len(l.s) }

func (l *muttLexer) skipSpace() {
	for l.p < len(l.s) && (l.s[l.p] == ' ' || l.s[l.p] == '\t') {
		l.p++
	}
}

// word reads one token; stopEq ends it at an unquoted = (a set name, and
// a following space before = is skipped so "name = value" works).
func (l *muttLexer) word(stopEq bool) (muttWord, error) {
	var b strings.Builder
	var w muttWord
	var qc byte
	onlyCmd, parts := "", 0
	for l.p < len(l.s) {
		c := l.s[l.p]
		if qc == 0 {
			if c == ' ' || c == '\t' || c == ';' || c == '#' || (stopEq && (c == '=' || ((c == '+' || c == '-') && l.p+1 < len(l.s) && l.s[l.p+1] == '='))) {
				break
			}
		}
		switch {
		case c == qc:
			qc = 0
			l.p++
		case qc == 0 && (c == '\'' || c == '"'):
			qc = c
			w.quoted = true
			l.p++
		case c == '\\' && qc != '\'':
			if l.p+1 >= len(l.s) {
				l.p++
				continue
			}
			n := l.s[l.p+1]
			l.p += 2
			switch n {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'e', 'E':
				b.WriteByte(0x1b)
			default:
				b.WriteByte(n)
			}
			parts++
		case c == '`' && qc != '\'':
			end := strings.IndexByte(l.s[l.p+1:], '`')
			if end < 0 {
				return w, errString("mismatched backticks")
			}
			onlyCmd = l.s[l.p+1 : l.p+1+end]
			l.p += end + 2
			parts += 2
		default:
			b.WriteByte(c)
			l.p++
			parts++
		}
	}
	// mutt ends an unclosed quote at the end of the line, without error.
	if stopEq {
		save := l.p
		l.skipSpace()
		if l.p < len(l.s) && (l.s[l.p] == '=' || strings.HasPrefix(l.s[l.p:], "+=") || strings.HasPrefix(l.s[l.p:], "-=")) {
			if l.s[l.p] != '=' {
				l.p++
			}
		} else {
			l.p = save
		}
	}
	if onlyCmd != "" && parts == 2 {
		w.cmd = onlyCmd
	} else if onlyCmd != "" {
		// A command inside a longer word: keep it visible, never run it.
		b.WriteString("`" + onlyCmd + "`")
	}
	w.text = b.String()
	return w, nil
}
