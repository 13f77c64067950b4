//go:build unix

package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// readmeBlock is the first fenced block of README (```lang) that holds
// marker, without its fences and the indentation of the list item it
// sits in.
func readmeBlock(t *testing.T, lang, marker string) string {
	t.Helper()
	var block []string
	in, indent, open := false, "", ""
	for _, l := range strings.Split(string(readFile(t, filepath.Join("..", "README.md"))), "\n") {
		trimmed := strings.TrimLeft(l, " ")
		switch {
		case !in && strings.HasPrefix(trimmed, "```"):
			in, indent, open, block = true, l[:len(l)-len(trimmed)], strings.TrimPrefix(trimmed, "```"), nil
		case in && trimmed == "```":
			in = false
			if text := strings.Join(block, "\n") + "\n"; open == lang && strings.Contains(text, marker) {
				return text
			}
		case in:
			block = append(block, strings.TrimPrefix(l, indent))
		}
	}
	t.Fatalf("README has no ```%s block with %q", lang, marker)
	return ""
}

// README's cron recipe, run as cron runs it: real mbsync, started from an
// environment with only HOME, LOGNAME, SHELL and the crontab's variables
// (no XDG_RUNTIME_DIR), reads the password through imapvault-get from
// the agent the "desktop session" unlocked with README's agent.conf; agent
// status says what README shows; without the recipe's variable the job
// fails at once with a line naming both sockets (#29).
func TestCronRecipeFromREADME(t *testing.T) {
	mbsync := testimap.LookBin(t, "mbsync", "isync")
	// README's pieces, adjusted only where this machine differs: the uid's
	// /run/user folder is the sandbox's, /usr/local/bin holds our build.
	crontab := readmeBlock(t, "cron", "IMAPVAULT_AGENT_SOCK")
	conf := readmeBlock(t, "", "ttl = ")
	status := readmeBlock(t, "", "$ IMAPVAULT_AGENT_SOCK=")

	d := testimap.StartDovecot(t, map[string]string{mbUser: mbOld})
	s := newAgentSandbox(t)
	trustTestCA(t, s.sandbox)
	s.must(mbOld+"\n", "add", "--name", "work", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()),
		"--security", "tls", "--user", mbUser, "--password-stdin", "--passphrase-file", s.passFile)
	s.agentConf(conf, 0o600)
	// Cron has no XDG_CONFIG_HOME either: there it is ~/.config.
	os.MkdirAll(filepath.Join(s.dir, ".config", "imapvault"), 0o700)
	os.WriteFile(filepath.Join(s.dir, ".config", "imapvault", "agent.conf"), []byte(conf), 0o600)
	s.unlock()
	getBin, handed := buildFastGet(t, s.sandbox)
	bin := filepath.Dir(getBin)
	s.env = append(s.env, "PATH="+bin+":"+os.Getenv("PATH")) // client-config writes imapvault-get

	run := filepath.Join(s.dir, "run")
	var vars []string
	var job string
	for _, l := range strings.Split(crontab, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case regexp.MustCompile(`^[A-Z_]+=`).MatchString(l):
			l = strings.ReplaceAll(l, "/run/user/1000", run)
			l = strings.ReplaceAll(l, "/usr/local/bin", bin)
			vars = append(vars, l)
		default:
			f := strings.Fields(l)
			if len(f) < 6 {
				t.Fatalf("crontab line %q is not a job", l)
			}
			job = strings.Join(f[5:], " ")
		}
	}
	if !strings.HasPrefix(job, "mbsync ") || len(vars) != 2 || !strings.HasPrefix(vars[0], "IMAPVAULT_AGENT_SOCK=") {
		t.Fatalf("README's recipe: vars %q, job %q", vars, job)
	}
	if !strings.Contains(vars[1]+":", ":"+filepath.Dir(mbsync)+":") {
		t.Skipf("mbsync is at %s, not on the recipe's %s", mbsync, vars[1])
	}

	cfg := s.must("", "client-config", "mbsync", "work").stdout
	mail := filepath.Join(s.dir, "Mail")
	cfg = strings.ReplaceAll(cfg, "~/Mail/", mail+"/")
	cfg = strings.Replace(cfg, "SSLType IMAPS\n",
		"SSLType IMAPS\nSystemCertificates no\nCertificateFile "+filepath.Join(s.dir, "ca.pem")+"\n", 1)
	if err := os.WriteFile(filepath.Join(s.dir, ".mbsyncrc"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(mail, "work"), 0o700)
	tmp := filepath.Join(s.dir, "tmp")
	os.MkdirAll(tmp, 0o700)
	asCron := func(vars []string, command string) (string, error) {
		cmd := exec.Command("/bin/sh", "-c", command)
		cmd.Env = append([]string{"HOME=" + s.dir, "LOGNAME=" + os.Getenv("LOGNAME"), "SHELL=/bin/sh",
			// The test's plumbing: the wrapper `imapvault` runs this binary,
			// and the temp folder stays in the sandbox.
			"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_SCRYPT=1", "IMAPVAULT_TEST_BIN=" + os.Args[0],
			"IMAPVAULT_TEST_HANDED=" + handed, "TMPDIR=" + tmp}, vars...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no terminal, as under cron
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	appendMessage(t, d, mbOld, "from cron")
	if out, err := asCron(vars, job); err != nil || mailCount(t, filepath.Join(mail, "work", "INBOX")) != 1 {
		t.Fatalf("the recipe's job: %v, %d messages\n%s", err, mailCount(t, filepath.Join(mail, "work", "INBOX")), out)
	}
	if b, err := os.ReadFile(handed); err == nil {
		t.Errorf("imapvault-get handed over (%q): it did not reach the agent itself", b)
	}

	// agent status, as README shows it, with the job's variables.
	out, err := asCron(vars, "imapvault --vault "+s.vault+" --identity "+s.identity+" agent status")
	if err != nil {
		t.Fatalf("agent status: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(status), "\n")[1:] {
		// Each line as far as what differs from run to run (a time left,
		// a path, a pid).
		cut := len(l)
		for _, m := range []string{"1h59m", "(ttl in /home", "/home/me", "4242"} {
			if i := strings.Index(l, m); i >= 0 && i < cut {
				cut = i
			}
		}
		want = append(want, l[:cut])
	}
	if len(got) != len(want) {
		t.Fatalf("agent status:\n%s\nREADME shows:\n%s", out, status)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("agent status line %d: %q, README has %q", i+1, got[i], want[i])
		}
	}
	if !strings.Contains(out, " at "+filepath.Join(run, "imapvault", "agent.sock")+", memory") {
		t.Errorf("agent status does not name the socket the job asks:\n%s", out)
	}

	// Without the recipe's IMAPVAULT_AGENT_SOCK: exit 3 at once, naming
	// the socket asked and the session's.
	out, err = asCron(vars[1:], job)
	if err == nil {
		t.Fatalf("mbsync ran without the socket:\n%s", out)
	}
	for _, w := range []string{"no agent answers at " + filepath.Join(tmp, "imapvault-"+strconv.Itoa(os.Getuid()), "agent.sock"),
		"set IMAPVAULT_AGENT_SOCK=/run/user/" + strconv.Itoa(os.Getuid()) + "/imapvault/agent.sock"} {
		if !strings.Contains(out, w) {
			t.Errorf("mbsync's output lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out+cfg, mbOld) {
		t.Error("the password shows in mbsync's output or config")
	}
}
