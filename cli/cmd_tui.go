package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/demo"
	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/doctor"
	"github.com/imapvault/imapvault/tui"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "tui", run: runTUI}) // what a bare `imapvault` runs
	register(command{name: "demo", summary: "the TUI on a throwaway vault with local IMAP servers", run: runDemo})
}

func runTUI(e *env, args []string) error {
	fs := e.flags("tui", "", `
Opens the terminal UI on your vault. Press ? inside for every key.`)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := e.needTerminal(); err != nil {
		return err
	}
	w := agent.Locate(e.getenv)
	opts := tui.Options{VaultPath: e.vaultPath, IdentityPath: e.identityPath,
		AgentIdentity: e.agentIdentity,
		ShareWithAgent: func(id *vault.Identity) error {
			return agent.UnlockWith(e.getenv, id, 0, 0) // agent.conf's limits, else the defaults
		},
		AgentSocket: w.Socket, AgentNote: w.Elsewhere(),
		Doctor: func(v *vault.Vault) int {
			in := e.doctorInput()
			in.Vault = v
			in.Crontab, in.CrontabFile = readCrontab("")
			return len(doctor.Run(in))
		}}
	dopts, err := discover.OptionsFromEnv(e.getenv)
	if err != nil {
		return usageErr(err, "")
	}
	opts.Discover = func(ctx context.Context, addr string) (*discover.Result, error) {
		return discover.Discover(ctx, addr, dopts)
	}
	if e.passphraseFile != "" {
		p, err := e.passphrase()
		if err != nil {
			return err
		}
		opts.Passphrase = p
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return tui.Run(ctx, opts)
}

func runDemo(e *env, args []string) error {
	fs := e.flags("demo", "demo", `
Opens the TUI on a throwaway vault in a temp folder, with in-process IMAP
servers on 127.0.0.1 that show every state: a working login over TLS and
STARTTLS, a wrong password, a server that is down, a slow one, a certificate
about to expire, a stale, a reused and a weak password. Rotation works end to
end against them ('r' on an account).

Your own vault is never read or written; everything is removed on exit.`)
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if err := e.needTerminal(); err != nil {
		return err
	}
	d, err := demo.Start(time.Now())
	if err != nil {
		return fmt.Errorf("start the demo: %w", err)
	}
	defer d.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	return tui.Run(ctx, tui.Options{VaultPath: d.VaultPath, IdentityPath: d.IdentityPath, TLSConfig: d.TLSConfig,
		Timeout: 5 * time.Second, Title: "imapvault demo"})
}

// needTerminal refuses to start the TUI where nobody can see it.
func (e *env) needTerminal() error {
	t, owned, err := e.terminal()
	if errors.Is(err, errNoTerminal) {
		return usageErr(errors.New("the TUI needs a terminal"), "run a command instead: 'imapvault --help' lists them")
	}
	if owned {
		t.Close()
	}
	if f, ok := e.stdout.(*os.File); !ok || f == nil {
		return usageErr(errors.New("the TUI needs a terminal"), "")
	}
	return nil
}
