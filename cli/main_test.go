package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"filippo.io/age"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// TestMain lets the test binary stand in for the imapvault binary, so the
// end-to-end tests run the real command as a subprocess without a build.
func TestMain(m *testing.M) {
	if os.Getenv("IMAPVAULT_HYGIENE_PROBE") == "1" {
		probeHygiene()
		return
	}
	// A hook recipe:NAME runs this binary again as `__recipe NAME`, with the
	// hook's environment, which drops IMAPVAULT_BE_MAIN.
	if os.Getenv("IMAPVAULT_BE_MAIN") == "1" || len(os.Args) > 1 && os.Args[1] == "__recipe" {
		if os.Getenv("IMAPVAULT_TEST_SCRYPT") != "" {
			vault.ScryptWorkFactor = 10
		}
		os.Exit(Main(os.Args[1:]))
	}
	vault.ScryptWorkFactor = 10
	// Under -race every child waits a second at exit (the race runtime's
	// atexit_sleep_ms); these tests start hundreds of children.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	os.Exit(m.Run())
}

// sandbox is a temp home for one test: vault, identity, passphrase file.
type sandbox struct {
	t        *testing.T
	dir      string
	vault    string
	identity string
	passFile string
	// env is added last to every child's environment (a later entry wins).
	env []string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	dir := t.TempDir()
	s := &sandbox{t: t, dir: dir,
		vault:    filepath.Join(dir, "data", "vault.age"),
		identity: filepath.Join(dir, "config", "identity.age"),
		passFile: filepath.Join(dir, "passphrase"),
	}
	if err := os.WriteFile(s.passFile, []byte("test passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// plainIdentity writes an unencrypted age identity and uses it.
func (s *sandbox) plainIdentity() *age.X25519Identity {
	s.t.Helper()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		s.t.Fatal(err)
	}
	s.identity = filepath.Join(s.dir, "config", "plain.txt")
	os.MkdirAll(filepath.Dir(s.identity), 0o700)
	if err := os.WriteFile(s.identity, []byte(k.String()+"\n"), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return k
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs the imapvault command line in a child process.
func (s *sandbox) run(stdin string, args ...string) result {
	s.t.Helper()
	return s.exec(stdin, nil, args...)
}

// exec runs the command line with attr (nil: inherit the session).
func (s *sandbox) exec(stdin string, attr *syscall.SysProcAttr, args ...string) result {
	s.t.Helper()
	return s.execProgram(os.Args[0], stdin, attr, args...)
}

// execProgram runs prog (the test binary, or imapvault-get) in the sandbox.
func (s *sandbox) execProgram(prog, stdin string, attr *syscall.SysProcAttr, args ...string) result {
	s.t.Helper()
	cmd := s.prepare(prog, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = attr
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("run %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// prepare is the sandbox's command line as a child, not yet started.
func (s *sandbox) prepare(prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(prog, args...)
	cmd.Env = append(os.Environ(),
		"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_SCRYPT=1",
		"IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity,
		"XDG_DATA_HOME="+filepath.Join(s.dir, "xdg-data"), "XDG_CONFIG_HOME="+filepath.Join(s.dir, "xdg-config"),
		// Each sandbox has its own agent folder: no test meets the user's agent.
		"XDG_RUNTIME_DIR="+filepath.Join(s.dir, "run"),
		"XDG_STATE_HOME="+filepath.Join(s.dir, "xdg-state"),
	)
	cmd.Env = append(cmd.Env, s.env...)
	return cmd
}

// must runs a command that has to succeed.
func (s *sandbox) must(stdin string, args ...string) result {
	s.t.Helper()
	r := s.run(stdin, args...)
	if r.code != 0 {
		s.t.Fatalf("imapvault %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func (s *sandbox) init() {
	s.t.Helper()
	s.must("", "init", "--passphrase-file", s.passFile)
}

func (s *sandbox) add(name, password string, extra ...string) result {
	s.t.Helper()
	host := "imap." + strings.ReplaceAll(name, " ", "-") + ".example" // a name may hold spaces, a host not
	args := append([]string{"add", "--name", name, "--host", host, "--user", "u-" + name,
		"--password-stdin", "--passphrase-file", s.passFile}, extra...)
	return s.must(password+"\n", args...)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stockAge is the age command line, which reads our vaults as they are.
func stockAge(t *testing.T) string {
	t.Helper()
	return testimap.LookBin(t, "age", "age")
}
