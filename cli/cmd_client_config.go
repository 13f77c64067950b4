package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/adrg/xdg"

	"github.com/imapvault/imapvault/agent"
)

func init() {
	register(command{name: "client-config", summary: "print a mail client's config block that takes the password from imapvault", run: runClientConfig})
}

func clientNames() string {
	var names []string
	for n := range clientConfigs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}

func runClientConfig(e *env, args []string) error {
	fs := e.flags("client-config", "client-config "+clientNames()+" NAME", `
Prints the config block for a mail client, with the account's host, port,
security and login filled in and the password coming from
'imapvault-get NAME' when imapvault-get is on PATH (the same command line
as 'imapvault get', in a few milliseconds: a client may run it for every
connection), else 'imapvault get NAME'. Paste it into the client's config
file and adjust the local paths.

After a rotation mbsync, msmtp, himalaya, vdirsyncer and a one-shot
offlineimap follow by themselves (they run the command for each login,
message or run); neomutt does at its next new connection of the account
(the block's account-hooks run the command again); aerc (its IMAP side)
and a long-running offlineimap read it once and must be restarted: each
block says so in a comment and names an --after for it. The account's
--ca-file goes into the client's CA setting.

An OAuth2 account's block logs in with XOAUTH2 and its command is
'imapvault-get NAME --field token', which prints a fresh access token
(refreshed here, the refresh token never leaves the vault). vdirsyncer's
CalDAV storage takes no token and is refused for such an account.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageErr(fmt.Errorf("client-config needs a client and an account name"), "clients: "+clientNames())
	}
	format, ok := clientConfigs[pos[0]]
	if !ok {
		return usageErr(fmt.Errorf("unknown client %q", pos[0]), "clients: "+clientNames())
	}
	f, err := e.open()
	if err != nil {
		return err
	}
	a, err := findAccount(f.Vault, pos[1])
	if err != nil {
		return err
	}
	if err := noLineBreaks(a); err != nil {
		return err
	}
	argv, fast := e.getArgv(a.Name)
	if a.IsOAuth2() { // a fresh access token at each login; the refresh token stays here
		argv = append(argv, "--field", "token")
	}
	out, err := format(a, argv)
	if err != nil {
		return err
	}
	if _, err = fmt.Fprint(e.stdout, out); err != nil {
		return err
	}
	if !fast {
		fmt.Fprintln(e.stderr, "imapvault: hint: install imapvault-get for a password command that starts ~2x faster "+
			"(go install github.com/imapvault/imapvault/cmd/imapvault-get@latest), then run client-config again")
	}
	return nil
}

// getArgv is the `imapvault get` command a client runs, naming the vault
// and identity when they are not the defaults, since a mail client (a
// systemd timer, say) may not share this shell's environment. It is
// imapvault-get (fast says so) when that is on PATH: the same command line
// without "get", answered by the agent with nothing else linked in.
func (e *env) getArgv(name string) (argv []string, fast bool) {
	argv = []string{"imapvault"}
	if _, err := exec.LookPath(fastGet); err == nil {
		argv, fast = []string{fastGet}, true
	}
	if !agent.SamePath(e.vaultPath, filepath.Join(xdg.DataHome, "imapvault", "vault.age")) {
		argv = append(argv, "--vault", agent.AbsPath(e.vaultPath))
	}
	if !agent.SamePath(e.identityPath, filepath.Join(xdg.ConfigHome, "imapvault", "identity.age")) {
		argv = append(argv, "--identity", agent.AbsPath(e.identityPath))
	}
	if !fast {
		argv = append(argv, "get")
	}
	return append(argv, name), fast
}

// fastGet is the password command built from agent/wire alone
// (cmd/imapvault-get).
const fastGet = "imapvault-get"
