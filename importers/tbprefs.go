package importers

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// prefValue is one pref: a string, an int or a bool, and its line.
type prefValue struct {
	s    string
	n    int
	b    bool
	kind byte // 's', 'n', 'b'
	line int
}

// parsePrefs reads a Mozilla prefs.js: user_pref("name", value); lines
// (pref( and sticky_pref( too), // # and /* */ comments, JS string escapes.
func parsePrefs(file string, data []byte) (map[string]prefValue, error) {
	p := &prefLexer{file: file, s: string(data), line: 1}
	out := map[string]prefValue{}
	for {
		p.skip()
		if p.i >= len(p.s) {
			return out, nil
		}
		start := p.line
		fn := p.ident()
		if fn != "user_pref" && fn != "pref" && fn != "sticky_pref" {
			return nil, synErr(file, start, "expected user_pref(")
		}
		p.skip()
		if !p.eat('(') {
			return nil, synErr(file, p.line, "expected ( after %s", fn)
		}
		p.skip()
		name, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skip()
		if !p.eat(',') {
			return nil, synErr(file, p.line, "expected , after the pref name")
		}
		p.skip()
		v := prefValue{line: start}
		switch {
		case p.i < len(p.s) && (p.s[p.i] == '"' || p.s[p.i] == '\''):
			v.kind = 's'
			if v.s, err = p.str(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(p.s[p.i:], "true"), strings.HasPrefix(p.s[p.i:], "false"):
			v.kind = 'b'
			v.b = p.ident() == "true"
		default:
			j := p.i
			if j < len(p.s) && (p.s[j] == '-' || p.s[j] == '+') {
				j++
			}
			for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(p.s[p.i:j])
			if err != nil {
				return nil, synErr(file, p.line, "pref %q: expected a string, a number, true or false", name)
			}
			p.i = j
			v.kind, v.n = 'n', n
		}
		p.skip()
		if p.eat(',') { // sticky/locked attributes
			p.skip()
			p.ident()
			p.skip()
		}
		if !p.eat(')') {
			return nil, synErr(file, p.line, "pref %q: expected )", name)
		}
		p.skip()
		if !p.eat(';') {
			return nil, synErr(file, p.line, "pref %q: expected ;", name)
		}
		out[name] = v
	}
}

type prefLexer struct {
	file string
	s    string
	i    int
	line int
}

func (p *prefLexer) skip() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '\n':
			p.line++
			p.i++
		case c == ' ' || c == '\t' || c == '\r':
			p.i++
		case c == '#' || strings.HasPrefix(p.s[p.i:], "//"):
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case strings.HasPrefix(p.s[p.i:], "/*"):
			end := strings.Index(p.s[p.i+2:], "*/")
			if end < 0 {
				end = len(p.s) - p.i - 2
			}
			p.line += strings.Count(p.s[p.i:p.i+2+end], "\n")
			p.i += end + 4
			if p.i > len(p.s) {
				p.i = len(p.s)
			}
		default:
			return
		}
	}
}

func (p *prefLexer) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *prefLexer) ident() string {
	j := p.i
	for j < len(p.s) && (p.s[j] == '_' || p.s[j] >= 'a' && p.s[j] <= 'z' || p.s[j] >= 'A' && p.s[j] <= 'Z') {
		j++
	}
	id := p.s[p.i:j]
	p.i = j
	return id
}

// str reads a JS string literal. Its error never quotes the string.
func (p *prefLexer) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\'') {
		return "", synErr(p.file, p.line, "expected a quoted string")
	}
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\n':
			return "", synErr(p.file, p.line, "unterminated string")
		case c == '\\' && p.i+1 < len(p.s):
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x', 'u':
				w := 2
				if e == 'u' {
					w = 4
				}
				if p.i+w > len(p.s) {
					return "", synErr(p.file, p.line, "bad escape in a string")
				}
				n, err := strconv.ParseUint(p.s[p.i:p.i+w], 16, 32)
				if err != nil {
					return "", synErr(p.file, p.line, "bad escape in a string")
				}
				p.i += w
				b.WriteRune(rune(n))
			default:
				b.WriteByte(e)
			}
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += size
		}
	}
	return "", synErr(p.file, p.line, "unterminated string")
}
