package cli

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

var manPage = filepath.Join("..", "contrib", "man", "imapvault.1")

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestManPageInStep: the committed page is what `imapvault man` generates
// from the commands' help; it fails when a command's help changed and the
// page was not regenerated (go test ./cli -run TestManPageInStep -update).
func TestManPageInStep(t *testing.T) {
	var buf bytes.Buffer
	writeMan(&buf)
	if updating() {
		if err := os.WriteFile(manPage, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if want := readFile(t, manPage); !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("contrib/man/imapvault.1 is not what the commands' help generates; run\n  go test ./cli -run TestManPageInStep -update\nand commit the page. First difference near:\n%s", firstDiff(buf.String(), string(want)))
	}
	s := newSandbox(t)
	if r := s.must("", "man"); r.stdout != buf.String() {
		t.Error("imapvault man prints something else than the generated page")
	}
	// Every command's usage and every flag is in the page.
	for _, h := range allHelp() {
		if !strings.Contains(buf.String(), `.SS "imapvault `+roffEscape(h.name)+`"`) {
			t.Errorf("no section for %s", h.name)
		}
		for _, f := range h.flags {
			if !strings.Contains(buf.String(), `\fB\-\-`+roffEscape(f.name)+`\fR`) {
				t.Errorf("%s --%s missing", h.name, f.name)
			}
		}
	}
}

// TestManPageFollowsHelp changes one command's help text and sees the page
// change with it: the page really is made from the help.
func TestManPageFollowsHelp(t *testing.T) {
	var before, after bytes.Buffer
	writeMan(&before)
	orig := commands["version"]
	t.Cleanup(func() { commands["version"] = orig })
	changed := orig
	changed.run = func(e *env, args []string) error {
		fs := e.flags("version", "version", "A help text nobody committed.")
		fs.Bool("new-flag", false, "a flag nobody documented")
		_, err := parse(fs, args)
		return err
	}
	commands["version"] = changed
	writeMan(&after)
	if bytes.Equal(before.Bytes(), after.Bytes()) || !strings.Contains(after.String(), "A help text nobody committed.") ||
		!strings.Contains(after.String(), `\-\-new\-flag`) && !strings.Contains(after.String(), `\-\-new-flag`) {
		t.Error("changing a command's help did not change the man page")
	}
}

// TestManPageRenders: groff reads the page without a warning.
func TestManPageRenders(t *testing.T) {
	groff := testimap.LookBin(t, "groff", "groff-base")
	out, err := exec.Command(groff, "-ww", "-z", "-man", manPage).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("groff -ww: %v\n%s", err, out)
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "generated: " + al[i] + "\ncommitted: " + bl[i]
		}
	}
	return "(one is a prefix of the other)"
}
