package importers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/procgroup"
	"github.com/imapvault/imapvault/internal/testimap"
)

// These tests show that each client Debian ships accepts our fixture, so
// the fixture is a real config and not just one our parser likes.

func runClient(t *testing.T, home string, env []string, name string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = home
	// A session of its own: no controlling terminal for the client to grab.
	procgroup.NoTerminal(cmd)
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + home, "TERM=dumb"}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run() // the exit status says little for these clients; the output does
	return out.String(), errb.String()
}

func fixture(t *testing.T, kind string) (string, *Result) {
	t.Helper()
	file, _ := filepath.Abs(filepath.Join("testdata", kind, fixtures[kind]))
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse(kind, file, data)
	if err != nil {
		t.Fatal(err)
	}
	return file, res
}

func TestMbsyncAcceptsFixture(t *testing.T) {
	bin := testimap.LookBin(t, "mbsync", "isync")
	file, res := fixture(t, "mbsync")
	// mbsync parses the whole config before it looks for the channel; a
	// config error is reported as FILE:LINE.
	_, stderr := runClient(t, t.TempDir(), nil, bin, "-c", file, "imapvault-parse-only")
	if strings.Contains(stderr, file+":") || !strings.Contains(stderr, "No channel or group named 'imapvault-parse-only'") {
		t.Fatalf("mbsync did not accept %s:\n%s", file, stderr)
	}
	// And it rejects what we reject.
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("IMAPAccount x\nHost imap.x\nPass \"unclosed\n"), 0o600)
	_, stderr = runClient(t, t.TempDir(), nil, bin, "-c", bad, "x")
	if !strings.Contains(stderr, bad+":3: missing closing quote") {
		t.Errorf("mbsync on a bad config said %q", stderr)
	}
	if _, err := ParseMbsync(bad, []byte("IMAPAccount x\nHost imap.x\nPass \"unclosed\n")); err == nil || err.Error() != bad+":3: missing closing quote" {
		t.Errorf("we said %v", err)
	}
	if len(res.Accounts) != 5 {
		t.Errorf("%d accounts", len(res.Accounts))
	}
}

func TestNeomuttAcceptsFixture(t *testing.T) {
	bin := testimap.LookBin(t, "neomutt", "neomutt")
	file, res := fixture(t, "mutt")
	out, stderr := runClient(t, t.TempDir(), nil, bin, "-n", "-F", file, "-Q", "imap_user", "-Q", "imap_pass", "-Q", "folder")
	if strings.Contains(stderr, "Error in") {
		t.Fatalf("neomutt did not accept %s:\n%s", file, stderr)
	}
	// neomutt ran the backtick command itself; its global values are what
	// we read (the password comes from that same command).
	main := res.Accounts[0]
	pw, err := RunCommand(context.Background(), main.PassCmd, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("set imap_user = %q", main.Username),
		fmt.Sprintf("set imap_pass = %q", pw),
		fmt.Sprintf(`set folder = "imaps://%s:%d/"`, main.Host, main.Port),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("neomutt -Q printed\n%s\nwant a line %s", out, want)
		}
	}
}

func TestAercAcceptsFixture(t *testing.T) {
	bin := testimap.LookBin(t, "aerc", "aerc")
	file, res := fixture(t, "aerc")
	home := t.TempDir()
	cfg := filepath.Join(home, "cfg")
	os.MkdirAll(filepath.Join(cfg, "aerc"), 0o700)
	data, _ := os.ReadFile(file)
	os.WriteFile(filepath.Join(cfg, "aerc", "accounts.conf"), data, 0o600)
	// Without a terminal aerc loads its whole config (logging each account
	// it parsed to stderr) and then fails to start its UI; a config error
	// stops it before that with "Failed to load config".
	out, stderr := runClient(t, home, []string{"XDG_CONFIG_HOME=" + cfg}, bin)
	all := out + stderr
	if strings.Contains(all, "Failed to load config") || !strings.Contains(all, "Parsing accounts configuration") {
		t.Fatalf("aerc did not accept the fixture:\n%s", all)
	}
	for _, a := range append(res.Accounts, Account{Name: "Local"}) {
		if !strings.Contains(all, "accounts.conf: ["+a.Name+"]") {
			t.Errorf("aerc did not load account [%s]", a.Name)
		}
	}
}

func TestOfflineimapAcceptsFixture(t *testing.T) {
	oi := testimap.LookBin(t, "offlineimap", "offlineimap3")
	// The Python offlineimap itself runs with (its #! line), not whatever
	// python3 is first on PATH.
	head, _ := os.ReadFile(oi)
	first, _, _ := strings.Cut(string(head), "\n")
	py := strings.Fields(strings.TrimPrefix(first, "#!"))[0]
	file, res := fixture(t, "offlineimap")
	// offlineimap's own config class reads the file; print what it sees.
	script := `
import sys
sys.path.insert(0, "/usr/share/offlineimap3")
from offlineimap.CustomConfig import CustomConfigParser
c = CustomConfigParser()
c.read([sys.argv[1]])
for n in [x.lstrip() for x in c.get("general", "accounts").split(",")]:
    s = "Repository " + c.get("Account " + n, "remoterepository")
    if c.get(s, "type") not in ("IMAP", "Gmail"):
        continue
    host = c.get(s, "remotehost", fallback="imap.gmail.com")
    print("%s|%s|%s|%s|%s" % (n, host, c.get(s, "remoteuser"), c.get(s, "remoteport", fallback=""), c.get(s, "remotepass", fallback="")))
`
	out, stderr := runClient(t, t.TempDir(), nil, py, "-c", script, file)
	if stderr != "" {
		t.Fatalf("offlineimap's parser failed on %s:\n%s", file, stderr)
	}
	var want []string
	for _, a := range res.Accounts {
		port := ""
		if a.Port != 993 {
			port = fmt.Sprint(a.Port)
		}
		want = append(want, fmt.Sprintf("%s|%s|%s|%s|%s", a.Name, a.Host, a.Username, port, a.Password))
	}
	if got := strings.TrimSpace(out); got != strings.Join(want, "\n") {
		t.Errorf("offlineimap reads\n%s\nwe read\n%s", got, strings.Join(want, "\n"))
	}
}
