package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExecClipboardUsesStdin runs a real clipboard tool (a shell script)
// and checks the password reaches it on stdin only: never in its argv, and
// the tool's environment is the allow-list (the display, not a token the
// parent happens to hold).
func TestExecClipboardUsesStdin(t *testing.T) {
	t.Setenv("DISPLAY", ":imapvault-test")
	t.Setenv("IMAPVAULT_TEST_TOKEN", "token-"+sentinel)
	dir := t.TempDir()
	store := filepath.Join(dir, "clip")
	seen := filepath.Join(dir, "seen")
	copyTool := filepath.Join(dir, "copy")
	pasteTool := filepath.Join(dir, "paste")
	script := "#!/bin/sh\ncat > " + store + "\ntr '\\0' ' ' < /proc/$$/cmdline > " + seen + "\ntr '\\0' '\\n' < /proc/$$/environ >> " + seen + "\n"
	if err := os.WriteFile(copyTool, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pasteTool, []byte("#!/bin/sh\ncat "+store+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	tool := execClipboard{name: "test", write: []string{copyTool, "--flag"}, read: []string{pasteTool}}
	if err := tool.Write(sentinel); err != nil {
		t.Fatal(err)
	}
	got, err := tool.Read()
	if err != nil || got != sentinel {
		t.Fatalf("read back %q, %v", got, err)
	}
	meta, err := os.ReadFile(seen)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(meta), "--flag") {
		t.Fatalf("the script did not record its argv: %q", meta)
	}
	if strings.Contains(string(meta), sentinel) {
		t.Fatal("the password or the parent's token reached the tool's argv or environment")
	}
	if !strings.Contains(string(meta), "DISPLAY=:imapvault-test") {
		t.Fatalf("the tool did not get DISPLAY, or the script did not record its environment: %q", meta)
	}
	// Clearing only when the clipboard still holds our copy.
	c := clipState{key: []byte("k"), sum: clipSum([]byte("k"), sentinel)}
	if msg := clearIfOurs(tool, c)().(clipClearedMsg); !msg.cleared || msg.err != nil {
		t.Fatalf("clear: %+v", msg)
	}
	if got, _ := tool.Read(); got != "" {
		t.Fatalf("clipboard still holds %q", got)
	}
}
