package cli

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/imapvault/imapvault/agent"
)

func init() {
	register(command{name: "unlock", summary: "unlock the agent, so nothing asks for the passphrase for a while", run: runUnlock})
	register(command{name: "lock", summary: "make the agent forget the unlocked identity", run: runLock})
}

func runUnlock(e *env, args []string) error {
	fs := e.flags("unlock", "unlock [--ttl 15m] [--max 8h]", `
Asks the identity's passphrase once (terminal or --passphrase-file) and
hands the unlocked identity to this session's agent, starting the agent
in the background if it is not running. Until it locks, 'imapvault get'
and every other command use the agent and ask nothing.

The agent forgets the identity after --ttl without use, and after --max
whatever happens; 'imapvault lock' makes it forget now.

Without --ttl or --max the limits come from `+agent.ConfigName+` in imapvault's
config folder ($XDG_CONFIG_HOME/imapvault, beside the identity), else
15m and 8h. Every unlock uses them (a get in a terminal, the TUI's "also
unlock the agent"), and 'imapvault agent status' shows them:

  # ~/.config/imapvault/`+agent.ConfigName+`
  ttl = 2h     # a mail sync every 30 minutes keeps it unlocked
  max = 12h

A background mail sync (cron, a systemd timer) that runs less often than
the idle limit finds the agent locked ('imapvault doctor' says so).`)
	ttl := fs.Duration("ttl", agent.DefaultTTL, "lock after this long without use (0: no idle limit; default: ttl in "+agent.ConfigName+", else 15m)")
	max := fs.Duration("max", agent.DefaultMax, "lock this long after unlocking, used or not (0: no limit; default: max in "+agent.ConfigName+", else 8h)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["ttl"] || !given["max"] {
		t, m, err := e.unlockLimits()
		if err != nil {
			return err
		}
		if !given["ttl"] {
			*ttl = t
		}
		if !given["max"] {
			*max = m
		}
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("unlock takes no arguments, got %q", pos[0]), "run 'imapvault unlock --help'")
	}
	if *ttl < 0 || *max < 0 {
		return usageErr(errors.New("--ttl and --max can't be negative"), "")
	}
	if *ttl == 0 && *max == 0 {
		return usageErr(errors.New("--ttl 0 and --max 0 would never lock"), "give at least one limit")
	}
	already := func() bool {
		c, s, err := agent.Unlocked(e.getenv, e.identityPath)
		if err != nil {
			return false
		}
		c.Close()
		fmt.Fprintf(e.stdout, "already %s\n", describeStatus(s, time.Now()))
		return true
	}
	id, err := e.unlockAgent(*ttl, *max, already)
	if err != nil || id == nil {
		return err
	}
	c, s, err := agent.Unlocked(e.getenv, e.identityPath)
	if err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	c.Close()
	fmt.Fprintln(e.stdout, describeStatus(s, time.Now()))
	return nil
}

func runLock(e *env, args []string) error {
	fs := e.flags("lock", "lock", `Makes this session's agent forget the unlocked identity and every vault it read.`)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("lock takes no arguments, got %q", pos[0]), "")
	}
	c, err := agent.DialAt(agent.Locate(e.getenv))
	if errors.Is(err, agent.ErrNotRunning) {
		fmt.Fprintln(e.stdout, "no agent is running: nothing to lock")
		return nil
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Lock(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "locked")
	return nil
}

// describeStatus is the agent's state in words: time left and why.
func describeStatus(s agent.Status, now time.Time) string {
	if !s.Unlocked {
		return "locked"
	}
	out := "unlocked"
	if !s.Expires.IsZero() {
		out += fmt.Sprintf(", locks in %s", s.Expires.Sub(now).Round(time.Second))
	}
	if !s.MaxExpires.IsZero() {
		out += fmt.Sprintf(" (at the latest %s)", s.MaxExpires.Local().Format("15:04:05"))
	}
	out += fmt.Sprintf("; identity %s", s.IdentityPath)
	return out
}
