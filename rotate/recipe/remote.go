package recipe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/imapvault/imapvault/internal/procgroup"
	"github.com/imapvault/imapvault/internal/termtext"
)

var (
	pleskBin      = Setting{Env: "IMAPVAULT_RECIPE_PLESK", Default: "plesk", About: "the plesk program"}
	sshHost       = Setting{Env: "IMAPVAULT_RECIPE_SSH_HOST", Required: true, About: "[user@]host of the mail server"}
	sshRecipe     = Setting{Env: "IMAPVAULT_RECIPE_SSH_RECIPE", Required: true, About: "the recipe to run there, e.g. dovecot-passwd-file; its own settings are passed along"}
	sshRemote     = Setting{Env: "IMAPVAULT_RECIPE_SSH_REMOTE", Default: "imapvault", About: "imapvault's path on the remote host"}
	sshBin        = Setting{Env: "IMAPVAULT_RECIPE_SSH", Default: "ssh", About: "the ssh program (keys from ssh-agent or ~/.ssh/config; no password prompt)"}
	forwardedVars = []string{"IMAPVAULT_USERNAME", "IMAPVAULT_ACCOUNT"}
)

func init() {
	register(Recipe{
		Name:     "plesk",
		Summary:  "Plesk: 'plesk bin mail --update ADDR -passwd \"\"' with the password in PSA_PASSWORD of that one child",
		Settings: []Setting{pleskBin, userSetting},
		run:      runPlesk,
	})
	register(Recipe{
		Name:     "ssh",
		Summary:  "run another recipe on the mail host over ssh; its settings and the two password lines go through the ssh channel's stdin",
		Settings: []Setting{sshHost, sshRecipe, sshRemote, sshBin},
		Cannot:   ":", // the remote recipe may be dovecot-passwd-file
		run:      runSSH,
	})
}

// runPlesk uses Plesk's documented way to keep a password out of argv: an
// empty -passwd and the password in PSA_PASSWORD. That child gets PATH,
// LANG and PSA_PASSWORD only.
func runPlesk(ctx context.Context, in Input) error {
	user := in.user()
	if user == "" || strings.HasPrefix(user, "-") {
		return badSetting("no usable mail address (IMAPVAULT_USERNAME or IMAPVAULT_RECIPE_USER)")
	}
	cmd := exec.CommandContext(ctx, in.setting(pleskBin), "bin", "mail", "--update", user, "-passwd", "")
	cmd.Env = []string{"PATH=" + in.Getenv("PATH"), "LANG=C", "PSA_PASSWORD=" + in.New}
	return runTool(cmd, in, "plesk")
}

// runSSH runs `imapvault __recipe NAME` on the mail host. ssh hands its
// command line to the remote user's login shell, whose quoting may not be
// sh's (fish reads \' inside '...'), so that line is a constant, remoteSSH,
// and every value travels on the channel's stdin after it: the settings
// (paths, URLs, names; never a secret), imapvault's path, the recipe's
// name, then the two password lines the remote recipe reads.
func runSSH(ctx context.Context, in Input) error {
	name := in.setting(sshRecipe)
	r, ok := Lookup(name)
	if !ok || r.Name == "ssh" {
		return badSetting("%s: %q is not a recipe to run remotely", sshRecipe.Env, name)
	}
	host := in.setting(sshHost)
	if strings.HasPrefix(host, "-") {
		return badSetting("%s: %q is not a host", sshHost.Env, host)
	}
	vars := append([]string(nil), forwardedVars...)
	for _, s := range r.Settings {
		vars = append(vars, s.Env)
	}
	var sets []string
	for _, v := range vars {
		if val := in.Getenv(v); val != "" {
			sets = append(sets, v+"="+val)
		}
	}
	remote := in.setting(sshRemote)
	for _, v := range append(sets, remote, r.Name) {
		if strings.ContainsAny(v, "\n\r\x00") {
			k, _, _ := strings.Cut(v, "=")
			return badSetting("%s holds a line break or NUL, which can't be carried to the mail host", termtext.Line(k))
		}
	}
	var stdin strings.Builder
	fmt.Fprintf(&stdin, "%d\n", len(sets))
	for _, v := range append(sets, remote, r.Name, in.Old, in.New) {
		stdin.WriteString(v + "\n")
	}
	cmd := exec.CommandContext(ctx, in.setting(sshBin), "-T", "-o", "BatchMode=yes", host, "--", remoteSSH)
	cmd.Env = os.Environ() // the hook's allow-list: SSH_AUTH_SOCK, HOME, ...
	cmd.Stdin = strings.NewReader(stdin.String())
	return runTool(cmd, in, "ssh "+host)
}

// remoteSSH is the one command line ssh sends. Every login shell (sh,
// bash, zsh, fish, csh) reads it the same: one single-quoted word without
// a quote, backslash, '!' or line break inside. sh's read takes one line
// at a time from a pipe, leaving the passwords for the recipe.
const remoteSSH = `sh -c 'IFS= read -r n && i=0 && while [ "$i" -lt "$n" ]; do IFS= read -r kv && export "$kv" && i=$((i+1)) || exit 2; done && IFS= read -r bin && IFS= read -r name && exec "$bin" __recipe "$name"'`

// runTool runs a helper program, passing its output on with the passwords
// redacted, in a session of its own (no terminal to prompt on).
func runTool(cmd *exec.Cmd, in Input, what string) error {
	procgroup.NoTerminal(cmd)
	var out capped
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if s := strings.TrimSpace(redact(out.String(), in.Old, in.New)); s != "" {
		fmt.Fprintln(in.Out, termtext.Text(s, maxResponse))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// capped keeps the first 64 KiB of a tool's output.
type capped struct{ b []byte }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxResponse - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *capped) String() string { return string(c.b) }
