package vault

import (
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The decoder's scanner: JSON's grammar, strictly, for the value kinds the
// model has. Each reader sets bad instead of guessing.

// object reads {"key": value, ...}. field reads the value of a key it
// knows and returns that key's bit; 0 (unknown) or a bit seen before
// (duplicate) gives up.
func (p *decoder) object(field func(key []byte) uint64) {
	if !p.eat('{') {
		p.bad = true
		return
	}
	if p.eat('}') {
		return
	}
	var seen uint64
	for !p.bad {
		k := p.key()
		if p.bad {
			return
		}
		bit := field(k)
		if bit == 0 || seen&bit != 0 {
			p.bad = true
			return
		}
		seen |= bit
		if p.eat(',') {
			continue
		}
		if !p.eat('}') {
			p.bad = true
		}
		return
	}
}

// array reads [elem, ...]; elem reads one element. Null elements give up.
func (p *decoder) array(elem func()) {
	if !p.eat('[') {
		p.bad = true
		return
	}
	if p.eat(']') {
		return
	}
	for !p.bad {
		if p.null() {
			p.bad = true
			return
		}
		elem()
		if p.eat(',') {
			continue
		}
		if !p.eat(']') {
			p.bad = true
		}
		return
	}
}

// key reads "key": with no escapes and no bytes outside ASCII.
func (p *decoder) key() []byte {
	if !p.eat('"') {
		p.bad = true
		return nil
	}
	start := p.i
	for p.i < len(p.d) {
		c := p.d[p.i]
		if c == '"' {
			k := p.d[start:p.i]
			p.i++
			if !p.eat(':') {
				p.bad = true
			}
			return k
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.i++
	}
	p.bad = true
	return nil
}

func (p *decoder) ws() {
	for p.i < len(p.d) {
		switch p.d[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *decoder) eat(c byte) bool {
	p.ws()
	if p.i < len(p.d) && p.d[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *decoder) null() bool {
	p.ws()
	if len(p.d)-p.i >= 4 && string(p.d[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// boolean reads true or false.
func (p *decoder) boolean() bool {
	p.ws()
	switch {
	case len(p.d)-p.i >= 4 && string(p.d[p.i:p.i+4]) == "true":
		p.i += 4
		return true
	case len(p.d)-p.i >= 5 && string(p.d[p.i:p.i+5]) == "false":
		p.i += 5
		return false
	}
	p.bad = true
	return false
}

// int reads an integer without fraction or exponent, small enough to
// need no overflow check.
func (p *decoder) int() int64 {
	p.ws()
	neg := p.i < len(p.d) && p.d[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var n int64
	for p.i < len(p.d) && p.d[p.i] >= '0' && p.d[p.i] <= '9' {
		n = n*10 + int64(p.d[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 18 || (digits > 1 && p.d[start] == '0') {
		p.bad = true
		return 0
	}
	if p.i < len(p.d) {
		if c := p.d[p.i]; c == '.' || c == 'e' || c == 'E' {
			p.bad = true
			return 0
		}
	}
	if neg {
		n = -n
	}
	return n
}

// str reads a string; the common case without escapes costs no copy.
func (p *decoder) str() string {
	if !p.eat('"') {
		p.bad = true
		return ""
	}
	start := p.i
	ascii := true
	for p.i < len(p.d) {
		c := p.d[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			if !ascii && !utf8.ValidString(s) {
				p.bad = true
				return ""
			}
			return s
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			p.bad = true
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	p.bad = true
	return ""
}

func (p *decoder) strEscaped(start int) string {
	buf := append([]byte(nil), p.d[start:p.i]...)
	for p.i < len(p.d) {
		c := p.d[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				p.bad = true
				return ""
			}
			return string(buf)
		case c < 0x20:
			p.bad = true
			return ""
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.d) {
			break
		}
		e := p.d[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r := p.hex4()
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by a low one; a lone half
				// is left to encoding/json, which writes U+FFFD.
				if r >= 0xDC00 || !(p.i+1 < len(p.d) && p.d[p.i] == '\\' && p.d[p.i+1] == 'u') {
					p.bad = true
					return ""
				}
				p.i += 2
				r = utf16.DecodeRune(r, p.hex4())
				if r == utf8.RuneError {
					p.bad = true
					return ""
				}
			}
			if p.bad {
				return ""
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.bad = true
			return ""
		}
	}
	p.bad = true
	return ""
}

func (p *decoder) hex4() rune {
	if len(p.d)-p.i < 4 {
		p.bad = true
		return 0
	}
	var r rune
	for _, c := range p.d[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			p.bad = true
			return 0
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r
}

// strings reads a []string; [] is an empty, non-nil slice, as
// encoding/json makes it.
func (p *decoder) strings() []string {
	if p.null() {
		return nil
	}
	out := make([]string, 0, 2) // tags and capabilities are short lists
	p.array(func() { out = append(out, p.str()) })
	return out
}

// time reads an RFC 3339 string the way Time.UnmarshalJSON does, which
// takes the bytes between the quotes as they are.
func (p *decoder) time() time.Time {
	if !p.eat('"') {
		p.bad = true
		return time.Time{}
	}
	start := p.i
	for p.i < len(p.d) && p.d[p.i] != '"' {
		if c := p.d[p.i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			p.bad = true
			return time.Time{}
		}
		p.i++
	}
	if p.i >= len(p.d) {
		p.bad = true
		return time.Time{}
	}
	raw := p.d[start:p.i]
	p.i++
	if t, ok := parseUTC(raw); ok {
		return t
	}
	var t time.Time
	if err := t.UnmarshalText(raw); err != nil {
		p.bad = true
	}
	return t
}

// parseUTC reads the form the encoder writes, 2006-01-02T15:04:05Z with
// an optional fraction of 1-9 digits, about four times faster than
// Time.UnmarshalText. Anything else, or any value out of range, is left
// to UnmarshalText.
func parseUTC(b []byte) (time.Time, bool) {
	n := len(b)
	if n < 20 || b[n-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(i, w int) int {
		v := 0
		for _, c := range b[i : i+w] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, mo, d, h, mi, s := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 {
		return time.Time{}, false
	}
	ns := 0
	if n > 20 {
		digits := n - 21
		if b[19] != '.' || digits < 1 || digits > 9 {
			return time.Time{}, false
		}
		if ns = num(20, digits); ns < 0 {
			return time.Time{}, false
		}
		for range 9 - digits {
			ns *= 10
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC)
	if t.Day() != d { // February 30th and the like: Date would roll over
		return time.Time{}, false
	}
	return t, true
}

func (p *decoder) timePtr() *time.Time {
	if p.null() {
		return nil
	}
	t := p.time()
	return &t
}

// intField reads a value for an int field; on 32-bit platforms one that
// does not fit is left to encoding/json, which reports it.
func (p *decoder) intField() int {
	n := p.int()
	if int64(int(n)) != n {
		p.bad = true
	}
	return int(n)
}
