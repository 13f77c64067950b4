package termtext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteJSONKeepsExactTextEscaped(t *testing.T) {
	exact := "osc52 \x1b]52;c;eA==\x07 c1 \u009b2J \u0085 bidi \u202eevil\u2066 del \x7f nl \n tab \t <&> ü"
	var buf bytes.Buffer
	if err := WriteJSON(&buf, map[string]string{"error": exact}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, raw := range []string{"\x1b", "\u009b", "\u0085", "\u202e", "\u2066", "\x7f", "\t"} {
		if strings.Contains(out, raw) {
			t.Errorf("JSON holds a raw %q: %s", raw, out)
		}
	}
	for _, esc := range []string{`\u001b`, `\u009b`, `\u0085`, `\u202e`, `\u2066`, `\u007f`, `<&>`, "ü"} {
		if !strings.Contains(out, esc) {
			t.Errorf("JSON lacks %s: %s", esc, out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back["error"] != exact {
		t.Errorf("round trip: got %q, want %q", back["error"], exact)
	}
}
