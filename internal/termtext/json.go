package termtext

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"
)

// EscapeJSON takes JSON as encoding/json writes it and also escapes what
// encoding/json leaves raw but a terminal acts on: DEL, the C1 controls
// U+0080–U+009F (CSI, OSC, ... in UTF-8 terminals) and the bidi formatting
// characters. The JSON value is unchanged: a decoder reads the exact text.
// Outside strings encoding/json writes only ASCII, so every such rune is
// inside a string, where \uXXXX is valid.
func EscapeJSON(b []byte) []byte {
	// Most output is ASCII below DEL: then there is nothing to escape and
	// nothing to copy (10,000 accounts of --json are megabytes).
	first := bytes.IndexFunc(b, func(r rune) bool { return r >= 0x7f })
	if first < 0 {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/16)
	out.Write(b[:first])
	for i := first; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidi(r) {
			out.WriteString(`\u` + hex4(r))
		} else {
			out.Write(b[i : i+size])
		}
		i += size
	}
	return out.Bytes()
}

// WriteJSON writes v as indented JSON (HTML characters left as they are),
// escaped with EscapeJSON, and a newline: the one way --json output is made.
func WriteJSON(w io.Writer, v any) error {
	// Compact first (one buffer of the exact size), then indent into one
	// buffer grown once: letting the encoder indent grows its buffer again
	// and again, which cost more than the encoding on large outputs.
	var compact bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	var out bytes.Buffer
	out.Grow(compact.Len() * 2)
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return err
	}
	_, err := w.Write(EscapeJSON(out.Bytes()))
	return err
}
