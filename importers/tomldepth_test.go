package importers

import (
	"strings"
	"testing"
)

// A deeply nested TOML file is refused before the parser recurses into
// it: 10 MB of '[' ended the process with Go's fatal stack overflow.
func TestHimalayaDeepNestingRefused(t *testing.T) {
	for _, tc := range []struct{ name, doc string }{
		{"arrays", "[accounts.a]\nx = " + strings.Repeat("[", 10<<20) + "\n"},
		{"inline tables", "[accounts.a]\nx = " + strings.Repeat("{a=", 1<<20) + "1" + strings.Repeat("}", 1<<20) + "\n"},
		{"mixed", "[accounts.a]\nx = " + strings.Repeat("[{a=", 100) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHimalaya("config.toml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), ":2: arrays or tables nest more than 32 deep") {
				t.Fatalf("ParseHimalaya: %v", err)
			}
		})
	}
}

func TestTOMLDepthSkipsStringsAndComments(t *testing.T) {
	deep := strings.Repeat("[", 40)
	for _, doc := range []string{
		"a = \"" + deep + "\"\n",
		"a = '" + deep + "'\n",
		"a = \"\"\"\n" + deep + "\n\"\"\"\n",
		"a = '''" + deep + "'''\n",
		"a = \"\\\"" + deep + "\"\n",
		"# " + deep + "\n",
		"a = [[1, 2], [3, [4, {b = [5]}]]]\n[[x.y]]\nz = 1\n",
	} {
		if line := tomlTooDeep([]byte(doc)); line != 0 {
			t.Errorf("%q: too deep at line %d", doc, line)
		}
	}
	if line := tomlTooDeep([]byte("a = 1\n\"x\" = '''\n'''\nb = " + deep + "\n")); line != 4 {
		t.Errorf("line %d, want 4", line)
	}
}
