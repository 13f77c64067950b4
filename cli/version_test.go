package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestVersionFromCheckout builds the binary with `go build` from a git
// checkout and asserts --version, version and --help's last line name the
// commit it was built from. Go stamps vcs.revision only when the module
// sits in a checkout whose .git is a folder; a `git worktree` has a .git
// file, so there the test builds from a shared clone of HEAD instead.
func TestVersionFromCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	git := testimap.LookBin(t, "git", "git")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src := root
	if st, err := os.Stat(filepath.Join(root, ".git")); err != nil || !st.IsDir() {
		src = filepath.Join(t.TempDir(), "checkout")
		if out, err := exec.Command(git, "clone", "--quiet", "--shared", root, src).CombinedOutput(); err != nil {
			t.Fatalf("git clone: %v\n%s", err, out)
		}
		overlayWorkTree(t, git, root, src) // build what is being tested, not only HEAD
	}
	rev, err := exec.Command(git, "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse: %v", err)
	}
	want := strings.TrimSpace(string(rev))
	bin := filepath.Join(t.TempDir(), "imapvault")
	build := exec.Command(gobin, "build", "-buildvcs=true", "-o", bin, ".")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=") // the machine may set -buildvcs=false
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--version"}, {"version"}, {"--help"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("imapvault %v: %v", args, err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		last := lines[len(lines)-1]
		if !strings.Contains(last, "revision "+want+" ") && !strings.HasSuffix(last, "revision "+want) || !strings.Contains(last, runtime.Version()) || !strings.HasPrefix(last, "imapvault ") {
			t.Errorf("imapvault %v: last line %q lacks revision %s or %s", args, last, want, runtime.Version())
		}
	}
}

// overlayWorkTree copies the tracked and untracked (not ignored) files of
// the work tree at from over the checkout at to.
func overlayWorkTree(t *testing.T, git, from, to string) {
	t.Helper()
	out, err := exec.Command(git, "-C", from, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(from, name))
		if os.IsNotExist(err) {
			os.Remove(filepath.Join(to, name)) // deleted in the work tree
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(to, name)), 0o755)
		if err := os.WriteFile(filepath.Join(to, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
