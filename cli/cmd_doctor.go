package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/doctor"
)

func init() {
	register(command{name: "doctor", summary: "check your mail setup: plaintext copies, unwired clients, agent, cron, OAuth plumbing", run: runDoctor})
}

func runDoctor(e *env, args []string) error {
	fs := e.flags("doctor", "doctor [--json] [--crontab FILE]", `
Looks at your mail setup from the outside and says what to fix:

  plaintext_copy         a vault password (current or retired) or OAuth2
                         secret written in a client config: ~/.mbsyncrc,
                         isyncrc, ~/.msmtprc, msmtp/config, muttrc and
                         neomuttrc and the files they source, aerc,
                         offlineimap, himalaya, ~/.netrc, ~/.authinfo
  not_wired              a config names a vault account's host and user
                         but gets its password elsewhere
  agent_unreachable      clients ask imapvault, no agent answers
  imapvault_get_missing  the password command is not on PATH where the
                         client runs (your shell's, cron's)
  cron_agent_socket      cron has no XDG_RUNTIME_DIR, so it looks for the
                         agent somewhere else than your shell
  idle_timeout_short     the agent locks between two runs of a sync
                         (crontab, systemd user timers)
  sasl_xoauth2_missing   mbsync uses XOAUTH2 without the Cyrus SASL plugin
  token_not_wired        an OAuth2 client gets its token elsewhere
  refresh_token_idle     a refresh token unused nearly as long as its
                         provider keeps one

It never prints a secret: a finding names the file, the line and the
account. The crontab is read with 'crontab -l' unless --crontab names a
file. The exit code is 1 when something is found, 0 when all is well.`)
	asJSON := fs.Bool("json", false, `print {"findings": [{kind, severity, file, line, account, message}]}`)
	crontabFile := fs.String("crontab", "", "read this crontab `FILE` instead of 'crontab -l'")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("doctor takes no arguments, got %q", pos[0]), "run 'imapvault doctor --help'")
	}
	f, err := e.open()
	if err != nil {
		return err
	}
	in := e.doctorInput()
	in.Vault = f.Vault
	in.Crontab, in.CrontabFile = readCrontab(*crontabFile)
	findings := doctor.Run(in)
	if *asJSON {
		err = doctor.WriteJSON(e.stdout, findings)
	} else {
		err = doctor.WriteText(e.stdout, findings, in.Home)
	}
	if err != nil {
		return err
	}
	if len(findings) > 0 {
		return errFound
	}
	return nil
}

// doctorInput is what doctor looks at, from this process's environment
// (the vault and the crontab are the caller's to add).
func (e *env) doctorInput() *doctor.Input {
	home := e.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	w := agent.Locate(e.getenv)
	in := &doctor.Input{Home: home, XDGConfig: e.getenv("XDG_CONFIG_HOME"), Getenv: e.getenv, Now: time.Now(),
		Agent: doctor.Agent{Socket: w.Socket}, DefaultTTL: agent.DefaultTTL, SASLDirs: doctor.DefaultSASLDirs}
	if l, err := agent.LoadLimits(e.getenv); err == nil { // a broken file: 'unlock' says so
		in.DefaultTTL, in.AgentConfig, in.DefaultTTLSet = l.TTL, l.Path, l.TTLSet
	}
	if c, err := agent.DialAt(w); err == nil {
		if s, err := c.Status(); err == nil {
			in.Agent.Running, in.Agent.Unlocked, in.Agent.TTL = true, s.Unlocked, s.TTL
		}
		c.Close()
	}
	// Cron has neither the session's XDG_RUNTIME_DIR nor anything the
	// shell exported (IMAPVAULT_AGENT_SOCK): only what the crontab sets.
	in.CronSocket = agent.Locate(func(k string) string {
		if k == "XDG_RUNTIME_DIR" || k == agent.SockEnv {
			return ""
		}
		return e.getenv(k)
	}).Socket
	if p := e.getenv("SASL_PATH"); p != "" { // Cyrus SASL: it replaces the default folder
		in.SASLDirs = filepath.SplitList(p)
	}
	return in
}

// readCrontab is the user's crontab, from file or 'crontab -l' (bounded
// in time and size); "" when there is none or cron is not installed.
func readCrontab(file string) (text, name string) {
	const max = 1 << 20
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", file
		}
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, max))
		return string(b), file
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "crontab", "-l")
	out, err := cmd.StdoutPipe()
	if err != nil || cmd.Start() != nil {
		return "", "crontab"
	}
	b, _ := io.ReadAll(io.LimitReader(out, max))
	if cmd.Wait() != nil {
		return "", "crontab"
	}
	return string(b), "crontab"
}
