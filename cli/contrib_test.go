package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestSystemdUnitsMatchREADME: every file in contrib/systemd is shown in
// README byte for byte (as an ini block headed by its install path), and
// every unit README shows is shipped.
func TestSystemdUnitsMatchREADME(t *testing.T) {
	readme := string(readFile(t, filepath.Join("..", "README.md")))
	blocks := regexp.MustCompile("(?s)```ini\n(# /etc/systemd/system/([^\n]+)\n.*?)```").FindAllStringSubmatch(readme, -1)
	shown := map[string]string{}
	for _, b := range blocks {
		shown[b[2]] = b[1]
	}
	files, err := filepath.Glob(filepath.Join("..", "contrib", "systemd", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in contrib/systemd: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if st, err := os.Stat(f); err == nil && st.IsDir() {
			continue // user/: the agent's user unit, linked from README (below)
		}
		text, ok := shown[name]
		if !ok {
			t.Errorf("README does not show contrib/systemd/%s", name)
			continue
		}
		delete(shown, name)
		if got := string(readFile(t, f)); got != text {
			t.Errorf("contrib/systemd/%s differs from README's block:\n--- file\n%s--- README\n%s", name, got, text)
		}
	}
	for name := range shown {
		t.Errorf("README shows %s but contrib/systemd does not ship it", name)
	}
	users, _ := filepath.Glob(filepath.Join("..", "contrib", "systemd", "user", "*"))
	if len(users) == 0 {
		t.Error("no user units in contrib/systemd/user")
	}
	for _, f := range users {
		if rel := "contrib/systemd/user/" + filepath.Base(f); !strings.Contains(readme, rel) {
			t.Errorf("README does not point at %s", rel)
		}
	}
}

// TestSystemdUnitsVerify runs systemd-analyze verify on the shipped units
// (with the binary path pointed at an executable that exists here).
func TestSystemdUnitsVerify(t *testing.T) {
	bin := testimap.LookBin(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join("..", "contrib", "systemd", "*"))
	var paths []string
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.IsDir() {
			continue
		}
		text := strings.ReplaceAll(string(readFile(t, f)), "/usr/local/bin/imapvault", "/bin/true")
		p := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(bin, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || strings.Contains(string(out), dir) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestUserUnitsVerify runs systemd-analyze verify on the user units (the
// agent's and the Secret Service's), the binary pointed at one that exists.
func TestUserUnitsVerify(t *testing.T) {
	bin := testimap.LookBin(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join("..", "contrib", "systemd", "user", "*"))
	var paths []string
	for _, f := range files {
		text := strings.ReplaceAll(string(readFile(t, f)), "=imapvault ", "=/bin/true ")
		p := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(bin, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || strings.Contains(string(out), dir) {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
