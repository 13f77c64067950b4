// Package termtext is the one sanitizer that untrusted text (server words,
// certificate names, account fields, imported files, hook output) passes
// before it reaches a terminal. It shows control characters visibly instead
// of letting the terminal act on them: a greeting that carries OSC 52 or a
// screen clear is printed as "\x1b]52;..." and does nothing.
//
// --json output does not use it: encoding/json keeps the exact text, escaped.
package termtext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// DefaultMax is the rune cap Line applies: long enough for any honest server
// reply or certificate name, short enough that a hostile one can't flood a
// table.
const DefaultMax = 300

// Ellipsis marks text cut at the cap.
const Ellipsis = "…"

// Line makes s safe for one line of a terminal: every control character
// (C0 including newline and tab, DEL, C1), invalid UTF-8 and bidi formatting
// character is written as a visible escape, and the result holds at most
// DefaultMax runes of s (then Ellipsis).
func Line(s string) string { return clean(s, DefaultMax, false) }

// LineN is Line with a cap of max runes (max <= 0: no cap).
func LineN(s string, max int) string { return clean(s, max, false) }

// Text is Line for multi-line text (notes, hook output): newlines are kept,
// everything else is escaped as in Line; at most max runes (max <= 0: no cap).
func Text(s string, max int) string { return clean(s, max, true) }

// Safe reports whether s would pass Line unchanged apart from the cap: no
// control, bidi or invalid byte. Validators use it to reject such input.
func Safe(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false
			}
		}
		if escape(r) != "" {
			return false
		}
	}
	return true
}

func clean(s string, max int, keepNewlines bool) string {
	if max <= 0 {
		max = int(^uint(0) >> 1)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if n >= max {
			b.WriteString(Ellipsis)
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case keepNewlines && r == '\n':
			b.WriteByte('\n')
		default:
			if e := escape(r); e != "" {
				b.WriteString(e)
			} else {
				b.WriteString(s[i : i+size])
			}
		}
		i += size
		n++
	}
	return b.String()
}

// escape returns the visible form of r, or "" when r may be printed as is.
func escape(r rune) string {
	switch {
	case r == '\t':
		return `\t`
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r < 0x20 || r == 0x7f:
		return `\x` + hex2(byte(r))
	case r >= 0x80 && r <= 0x9f: // C1: CSI, OSC, ... in UTF-8 terminals
		return `\u` + hex4(r)
	case isBidi(r):
		return `\u` + hex4(r)
	}
	return ""
}

// isBidi: explicit directional formatting characters, which reorder what
// follows them on screen ("Trojan Source").
func isBidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func hex2(c byte) string {
	s := strconv.FormatUint(uint64(c), 16)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}

func hex4(r rune) string {
	s := strconv.FormatUint(uint64(r), 16)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}
