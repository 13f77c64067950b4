package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/imapvault/imapvault/internal/testimap"
)

// TestCompletionScripts compares each shell's script with its golden file.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		t.Run(sh, func(t *testing.T) {
			s := newSandbox(t)
			r := s.must("", "completion", sh)
			golden.RequireEqual(t, r.stdout)
		})
	}
	s := newSandbox(t)
	if r := s.run("", "completion", "tcsh"); r.code != 2 {
		t.Errorf("completion tcsh: exit %d, want 2", r.code)
	}
}

// onPath puts an `imapvault` on PATH that runs this test binary as the
// command, for shells to call, and returns the environment to give them.
func (s *sandbox) onPath() []string {
	bin := filepath.Join(s.dir, "bin")
	os.MkdirAll(bin, 0o755)
	script := "#!/bin/sh\nIMAPVAULT_BE_MAIN=1 IMAPVAULT_TEST_SCRYPT=1 exec '" + os.Args[0] + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "imapvault"), []byte(script), 0o755); err != nil {
		s.t.Fatal(err)
	}
	return append(s.command().Env, "PATH="+bin+":"+os.Getenv("PATH"))
}

// bashComplete sources the bash script in a real bash, completes line at
// its end through the script's function, and returns COMPREPLY.
func bashComplete(t *testing.T, bash string, env []string, line string) []string {
	t.Helper()
	words := splitLine(line)
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	prog := `source <(imapvault completion bash) || exit 9
COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
COMP_WORDS=(` + strings.Join(quoted, " ") + `); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
_imapvault
printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog, "bash", line)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash completion of %q: %v\n%s", line, err, out)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			got = append(got, l)
		}
	}
	return got
}

// TestBashCompletesNames: in real bash, `imapvault rotate <TAB>` offers the
// account names when the identity needs no passphrase, and nothing (and no
// prompt) when it does; commands, flags and flag values complete too.
func TestBashCompletesNames(t *testing.T) {
	bash := testimap.LookBin(t, "bash", "bash")
	s := newSandbox(t)
	s.plainIdentity()
	s.init()
	s.add("home", "pw-home")
	s.add("work", "pw-work")
	s.add("my mail", "pw-mine")
	env := s.onPath()
	tests := []struct {
		line string
		want []string
	}{
		{"imapvault rotate ", []string{`home`, `my\ mail`, `work`}},
		{"imapvault rotate h", []string{"home"}},
		{"imapvault rotate home w", []string{"work"}},
		{"imapvault --vault " + s.vault + " edit ", []string{`home`, `my\ mail`, `work`}},
		{"imapvault ro", []string{"rotate"}},
		{"imapvault add --security ", []string{"tls", "starttls", "insecure"}},
		{"imapvault add --security=st", []string{"starttls"}},
		{"imapvault audit accept home ", []string{"stale", "reused", "weak", "breached", "login_failed", "smtp_failed", "sender_refused", "tls", "exposed",
			"cleartext_auth", "old_tls", "weak_cipher", "starttls_injection", "starttls_only", "cert_hostname", "cert_chain", "cert_key", "cert_expiring", "basic_auth_sunset"}},
		{"imapvault check --na", []string{"--nagios"}},
		{"imapvault completion ", []string{"bash", "zsh", "fish"}},
	}
	for _, tt := range tests {
		got := bashComplete(t, bash, env, tt.line)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("complete %q: got %q, want %q", tt.line, got, tt.want)
		}
	}

	// A passphrase-protected identity: nothing offered, nothing asked.
	locked := newSandbox(t)
	locked.init()
	locked.add("secret-name", "pw")
	if got := bashComplete(t, bash, locked.onPath(), "imapvault rotate "); len(got) != 0 {
		t.Errorf("locked vault: completion offered %q", got)
	}
}

// TestFishCompletesNames: in real fish, `imapvault rotate <TAB>` offers the
// account names and flags complete.
func TestFishCompletesNames(t *testing.T) {
	fish := testimap.LookBin(t, "fish", "fish")
	s := newSandbox(t)
	s.plainIdentity()
	s.init()
	s.add("home", "pw-home")
	s.add("my mail", "pw-mine")
	env := append(s.onPath(), "HOME="+s.dir, "XDG_CONFIG_HOME="+filepath.Join(s.dir, "fishconf"))
	for _, tt := range []struct{ line, want string }{
		{"imapvault rotate ", "home|my mail"},
		{"imapvault add --security st", "starttls"},
		{"imapvault check --fai", "--failed"},
	} {
		cmd := exec.Command(fish, "--no-config", "-c", "imapvault completion fish | source; complete -C $argv[1]", tt.line)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fish: %v\n%s", err, out)
		}
		if got := strings.Join(strings.Split(strings.TrimSpace(string(out)), "\n"), "|"); got != tt.want {
			t.Errorf("fish completes %q to %q, want %q", tt.line, out, tt.want)
		}
	}
}

// TestZshCompletesNames runs the zsh script's function in a real zsh, with
// compadd and _files standing in for the completion system (they need a
// line editor), and checks what it offers.
func TestZshCompletesNames(t *testing.T) {
	zsh := testimap.LookBin(t, "zsh", "zsh")
	s := newSandbox(t)
	s.plainIdentity()
	s.init()
	s.add("home", "pw-home")
	s.add("my mail", "pw-mine")
	env := s.onPath()
	for _, tt := range []struct {
		words []string
		want  string
	}{
		{[]string{"imapvault", "rotate", ""}, "home|my mail"},
		{[]string{"imapvault", "add", "--security", "st"}, "starttls"},
		{[]string{"imapvault", "--vault", ""}, "FILES"},
		{[]string{"imapvault", "au"}, "audit"},
	} {
		prog := `compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
_files() { print FILES; }
source <(imapvault completion zsh) || exit 9
words=("$@"); CURRENT=$#
_imapvault`
		cmd := exec.Command(zsh, append([]string{"-f", "-c", prog, "zsh"}, tt.words...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("zsh: %v\n%s", err, out)
		}
		if got := strings.Join(strings.Split(strings.TrimSpace(string(out)), "\n"), "|"); got != tt.want {
			t.Errorf("zsh completes %q to %q, want %q", tt.words, got, tt.want)
		}
	}
}
