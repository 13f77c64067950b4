//go:build unix

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// ccName has what each client's quoting must survive: a quote, spaces,
// %, $, a backslash and a double quote.
const (
	ccName = `o'k 50% $HOME \x "q"`
	ccPw   = "Client-Config-pw-7e2b"
)

// ccSandbox is a plain-identity vault with one awkward account, and
// `imapvault` on PATH standing for the test binary.
func ccSandbox(t *testing.T) (*sandbox, []string) {
	t.Helper()
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	s.must(ccPw+"\n", "add", "--name", ccName, "--host", "imap.example.org", "--port", "143", "--security", "starttls",
		"--user", "me@example.org", "--password-stdin")
	bin := filepath.Join(s.dir, "bin")
	os.MkdirAll(bin, 0o700)
	os.WriteFile(filepath.Join(bin, "imapvault"), []byte("#!/bin/sh\nexec \"$IMAPVAULT_TEST_BIN\" \"$@\"\n"), 0o700)
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+s.dir,
		"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_BIN="+os.Args[0], "XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"))
	return s, env
}

func writeConfig(t *testing.T, s *sandbox, client string) string {
	t.Helper()
	path := filepath.Join(s.dir, client+".conf")
	if err := os.WriteFile(path, []byte(s.must("", "client-config", client, ccName).stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Real neomutt reads the block and runs its backtick command.
func TestClientConfigNeomutt(t *testing.T) {
	neomutt := testimap.LookBin(t, "neomutt", "neomutt")
	s, env := ccSandbox(t)
	cfg := writeConfig(t, s, "neomutt")
	cmd := exec.Command(neomutt, "-n", "-F", cfg, "-Q", "imap_pass", "-Q", "imap_user", "-Q", "folder")
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("neomutt: %v\n%s\nconfig:\n%s", err, out, readFile(t, cfg))
	}
	for _, want := range []string{`imap_pass = "` + ccPw + `"`, `imap_user = "me@example.org"`, `folder = "imap://me@example.org@imap.example.org:143/"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("neomutt says:\n%s\nwant %s\nconfig:\n%s", out, want, readFile(t, cfg))
		}
	}
}

// offlineimap's own config parser and evaluator read the block.
func TestClientConfigOfflineimap(t *testing.T) {
	testimap.LookBin(t, "offlineimap", "offlineimap3")
	s, env := ccSandbox(t)
	cfg := writeConfig(t, s, "offlineimap")
	py := "/usr/bin/python3"
	script := `
import sys
sys.path.insert(0, "/usr/share/offlineimap3")
from offlineimap.CustomConfig import CustomConfigParser
from offlineimap.localeval import LocalEval
cp = CustomConfigParser()
cp.read(sys.argv[1])
acct = [s for s in cp.sections() if s.startswith("Account ")][0]
remote = "Repository " + cp.get(acct, "remoterepository")
print("user=" + cp.get(remote, "remoteuser"))
print("port=" + cp.get(remote, "remoteport"))
print("starttls=" + cp.get(remote, "starttls"))
print("pass=" + LocalEval().eval(cp.get(remote, "remotepasseval")))
`
	cmd := exec.Command(py, "-c", script, cfg)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("offlineimap's parser: %v\n%s\nconfig:\n%s", err, out, readFile(t, cfg))
	}
	want := "user=me@example.org\nport=143\nstarttls=yes\npass=" + ccPw + "\n"
	if string(out) != want {
		t.Errorf("offlineimap reads:\n%s\nwant:\n%s\nconfig:\n%s", out, want, readFile(t, cfg))
	}
}

// The blocks whose clients can't run here: each names the account and
// takes the password from get, and none holds the password itself.
func TestClientConfigBlocks(t *testing.T) {
	s, _ := ccSandbox(t)
	tests := []struct {
		client string
		want   []string
	}{
		{"mbsync", []string{`PassCmd "imapvault --vault `, `get 'o'\\''k 50% $HOME \\x \"q\"'"`, "SSLType STARTTLS", "Port 143"}},
		{"msmtp", []string{`passwordeval "imapvault --vault `, "tls_starttls on", `user "me@example.org"`}},
		{"aerc", []string{"source = imap://me%40example.org@imap.example.org:143", `source-cred-cmd = """imapvault --vault `}},
		{"himalaya", []string{`[accounts."o'k 50% $HOME \\x \"q\""]`, `backend.encryption.type = "start-tls"`, `backend.auth.cmd = "imapvault --vault `}},
		{"vdirsyncer", []string{`password.fetch = ["command", "imapvault", "--vault", `, `"get", "o'k 50% $HOME \\x \"q\""]`}},
		{"neomutt", []string{"set ssl_starttls = yes"}},
		{"offlineimap", []string{"[Account o'k 50% $HOME \\x \"q\"]", "localfolders = ~/Mail/o'k 50%% $HOME"}},
	}
	for _, tc := range tests {
		t.Run(tc.client, func(t *testing.T) {
			out := s.must("", "client-config", tc.client, ccName).stdout
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %s in:\n%s", w, out)
				}
			}
			if strings.Contains(out, ccPw) {
				t.Error("the password is in the config block")
			}
		})
	}
	if r := s.run("", "client-config", "thunderbird", ccName); r.code != 2 || !strings.Contains(r.stderr, "unknown client") {
		t.Errorf("unknown client: %d %s", r.code, r.stderr)
	}
	if r := s.run("", "client-config", "mbsync", "nope"); r.code != 2 {
		t.Errorf("unknown account: %d %s", r.code, r.stderr)
	}
}
