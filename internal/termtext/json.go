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
	var out bytes.Buffer
	out.Grow(len(b))
	for i := 0; i < len(b); {
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
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(EscapeJSON(buf.Bytes()))
	return err
}
