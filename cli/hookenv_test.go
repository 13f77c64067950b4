package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// End to end: a hook started by 'rotate' sees the allow-list, the four
// IMAPVAULT_* variables and the names passed with add --hook-env and
// rotate --hook-env, and nothing else of a secret-laden environment.
func TestRotateHookEnvironment(t *testing.T) {
	s := newSandbox(t)
	s.init()
	for k, v := range map[string]string{
		"HOME": "/home/h", "USER": "u", "LOGNAME": "u", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC",
		"TMPDIR": "/tmp", "SSH_AUTH_SOCK": "/run/agent",
		"DATABASE_URL": "postgres://app:hunter2@db/app", "MYSQL_PWD": "hunter2", "GITHUB_PAT": "ghp_x",
		"OPENAI_KEY": "sk-x", "KUBECONFIG": "/home/h/.kube/config", "AWS_SECRET_ACCESS_KEY": "aws",
		"PGPASSFILE": "/home/h/.pgpass", "MAILCTL_URL": "https://mail.example/api",
	} {
		t.Setenv(k, v)
	}
	s.add("work", "Kq9x-Vb7z-Wm3p", "--hook-env", "PGPASSFILE")
	dump := filepath.Join(s.dir, "env")
	hook := `cat >/dev/null; env -0 > ` + dump + `; exit 1`
	r := s.run("", "rotate", "work", "--hook", hook, "--hook-env", "MAILCTL_URL", "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("rotate: exit %d (want 1: the hook fails)\n%s%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, kv := range strings.Split(strings.TrimRight(string(b), "\x00"), "\x00") {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "PWD", "SHLVL", "_", "OLDPWD": // the shell's own
			continue
		}
		got = append(got, kv)
	}
	slices.Sort(got)
	want := []string{
		"HOME=/home/h", "IMAPVAULT_ACCOUNT=work", "IMAPVAULT_HOST=imap.work.example", "IMAPVAULT_PORT=993",
		"IMAPVAULT_USERNAME=u-work", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "LOGNAME=u",
		"MAILCTL_URL=https://mail.example/api", "PATH=" + os.Getenv("PATH"), "PGPASSFILE=/home/h/.pgpass",
		"SSH_AUTH_SOCK=/run/agent", "TMPDIR=/tmp", "TZ=UTC", "USER=u",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("hook environment:\n got %q\nwant %q", got, want)
	}
	// edit --hook-env - clears the account's names.
	s.must("", "edit", "work", "--hook-env", "-", "--passphrase-file", s.passFile)
	s.run("", "rotate", "work", "--abort", "--passphrase-file", s.passFile)
	s.run("", "rotate", "work", "--hook", hook, "--passphrase-file", s.passFile)
	if b, _ := os.ReadFile(dump); strings.Contains(string(b), "PGPASSFILE") || !strings.Contains(string(b), "IMAPVAULT_ACCOUNT=work") {
		t.Errorf("after edit --hook-env -, the hook still sees PGPASSFILE (or nothing ran):\n%s", strings.ReplaceAll(string(b), "\x00", "\n"))
	}
	if r := s.run("", "add", "--name", "x", "--host", "h", "--user", "u", "--hook-env", "A=B", "--passphrase-file", s.passFile); r.code != 2 || !strings.Contains(r.stderr, "not an environment variable name") {
		t.Errorf("--hook-env A=B: exit %d, %q", r.code, r.stderr)
	}
}
