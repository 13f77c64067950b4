package termtext

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "* OK Dovecot ready.", "* OK Dovecot ready."},
		{"unicode kept", "Grüße – 日本", "Grüße – 日本"},
		{"osc52", "\x1b]52;c;aGk=\x07", `\x1b]52;c;aGk=\x07`},
		{"title and clear", "\x1b]0;pwned\x07\x1b[2J", `\x1b]0;pwned\x07\x1b[2J`},
		{"sgr", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`},
		{"c1 osc", "\u009d8;;http://x\u009c", `\u009d8;;http://x\u009c`},
		{"newline fakes a row", "ok\nwork  ok", `ok\nwork  ok`},
		{"cr tab del nul", "a\rb\tc\x7fd\x00", `a\rb\tc\x7fd\x00`},
		{"bidi override", "abc\u202egnp.exe", `abc\u202egnp.exe`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"invalid utf8", "a\xffb\xc2", `a\xffb\xc2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Line(tc.in)
			if got != tc.want {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.ContainsAny(got, "\x1b\x07\x00\n\r\u009b\u009d\u202e") {
				t.Errorf("raw control left in %q", got)
			}
		})
	}
}

func TestCap(t *testing.T) {
	long := strings.Repeat("é", 1000)
	got := Line(long)
	if n := len([]rune(got)); n != DefaultMax+1 || !strings.HasSuffix(got, Ellipsis) {
		t.Fatalf("capped to %d runes (%q...), want %d + ellipsis", n, got[:10], DefaultMax)
	}
	if got := LineN("abcdef", 3); got != "abc"+Ellipsis {
		t.Errorf("LineN = %q", got)
	}
	if got := LineN("abc", 3); got != "abc" {
		t.Errorf("LineN at the cap = %q", got)
	}
	if got := LineN(strings.Repeat("x", 5000), 0); len(got) != 5000 {
		t.Errorf("no cap: %d bytes", len(got))
	}
}

func TestText(t *testing.T) {
	if got := Text("line 1\nline 2\x1b[2J\n", 0); got != "line 1\nline 2\\x1b[2J\n" {
		t.Errorf("Text = %q", got)
	}
}

func TestSafe(t *testing.T) {
	for s, want := range map[string]bool{"work mail": true, "Grüße": true, "a\nb": false, "\x1b": false, "\u202e": false, "\u0085": false, "a\xff": false} {
		if Safe(s) != want {
			t.Errorf("Safe(%q) = %v", s, !want)
		}
	}
}
