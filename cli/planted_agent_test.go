//go:build unix

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testplant"
)

// Without XDG_RUNTIME_DIR the agent's folder is imapvault-UID in the temp
// folder, which any local user can make first. Whether they own the
// folder or only the process behind the socket, no command sends them
// anything: each refuses (exit 2) naming the path and the owner, and the
// planted listener receives not one byte.
func TestPlantedAgentIsRefusedByEveryClient(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plant func(*testing.T, string, string) *testplant.Plant
		want  string
	}{
		{"their folder", testplant.Foreign, "belongs to uid 65534"},
		{"their process in our folder", testplant.InOurDir, "is served by uid 65534"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testplant.NeedRoot(t)
			s := newAgentSandbox(t)
			s.add("work", "Planted-Sentinel-pw-1")
			fastGet, _ := buildFastGet(t, s.sandbox)
			tmp := testplant.PublicDir(t)
			s.env = append(s.env, "XDG_RUNTIME_DIR=", "TMPDIR="+tmp)
			dir := filepath.Join(tmp, fmt.Sprintf("imapvault-%d", os.Getuid()))
			p := tc.plant(t, dir, s.identity)

			for _, args := range [][]string{
				{"get", "work"},
				{"get", "work", "--passphrase-file", s.passFile},
				{"get", "work", "--field", "token"},
				{"list"},
				{"agent", "status"},
				{"agent", "stop"},
				{"lock"},
				{"unlock", "--passphrase-file", s.passFile},
			} {
				r := s.detached(args...)
				checkRefused(t, strings.Join(args, " "), r, dir, tc.want)
			}
			// The mail clients' password command hands over to `imapvault
			// get`, which refuses in its own words: no fallback either way.
			r := s.execProgram(fastGet, "", nil, "work")
			checkRefused(t, "imapvault-get work", r, dir, tc.want)
			// Completion never says why; it just offers no names from there.
			if r := s.detached("__complete", "bash", "imapvault get w"); strings.Contains(r.stdout, "planted") {
				t.Errorf("completion offered the planted agent's names: %q", r.stdout)
			}

			p.Stop()
			if got := p.Received(); got != "" {
				t.Fatalf("the planted listener received:\n%s", got)
			}
		})
	}
}

func checkRefused(t *testing.T, what string, r result, dir, want string) {
	t.Helper()
	if r.code != exitFailure || r.stdout != "" {
		t.Errorf("%s: exit %d, stdout %q; want 2 and nothing\n%s", what, r.code, r.stdout, r.stderr)
		return
	}
	for _, w := range []string{dir, want, "hint: uid 65534 is nobody", "refusing"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("%s: stderr lacks %q:\n%s", what, w, r.stderr)
		}
	}
}
