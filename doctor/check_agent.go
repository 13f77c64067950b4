package doctor

import (
	"fmt"
)

// wiredEntries are the configs that run imapvault for their secret.
func wiredEntries(s *setup) []entry {
	var out []entry
	for _, e := range s.entries {
		if e.wired() {
			out = append(out, e)
		}
	}
	return out
}

// checkAgent: clients run imapvault-get, and no agent answers where the
// shell looks.
func checkAgent(in *Input, s *setup) []Finding {
	w := wiredEntries(s)
	if len(w) == 0 || in.Agent.Running {
		return nil
	}
	return []Finding{{Kind: KindAgentUnreachable, Severity: Medium,
		Message: fmt.Sprintf("%d client account(s) ask imapvault for their secret, but no agent answers at %s: "+
			"in the background they fail (exit 3) until you run 'imapvault unlock' (or enable contrib/systemd/user/imapvault-agent.service)",
			len(w), in.Agent.Socket)}}
}

// checkCronSocket: cron runs a mail sync without XDG_RUNTIME_DIR, so its
// imapvault-get looks for the agent in another place than the shell's.
func checkCronSocket(in *Input, s *setup) []Finding {
	shell := in.Getenv("XDG_RUNTIME_DIR")
	if shell == "" || len(wiredEntries(s)) == 0 {
		return nil
	}
	var out []Finding
	for _, j := range s.jobs {
		if !j.cron || syncProgram(j.command) == "" {
			continue
		}
		dir, sock := j.env["XDG_RUNTIME_DIR"], j.env["IMAPVAULT_AGENT_SOCK"]
		var msg string
		switch {
		case sock == in.Agent.Socket:
			continue // named outright (it wins over XDG_RUNTIME_DIR)
		case sock != "":
			msg = fmt.Sprintf("this job sets IMAPVAULT_AGENT_SOCK=%s, but your shell's agent listens at %s", sock, in.Agent.Socket)
		case dir == "":
			msg = fmt.Sprintf("this job runs %s without XDG_RUNTIME_DIR, so imapvault-get there looks for the agent at %s, not at %s where your shell's agent listens: "+
				"add IMAPVAULT_AGENT_SOCK=%s (or XDG_RUNTIME_DIR=%s) at the top of the crontab", syncProgram(j.command), in.CronSocket, in.Agent.Socket, in.Agent.Socket, shell)
		case dir != shell:
			msg = fmt.Sprintf("this job sets XDG_RUNTIME_DIR=%s but your shell has %s: imapvault-get there looks for the agent at %s/imapvault/agent.sock, not at %s",
				dir, shell, dir, in.Agent.Socket)
		default:
			continue
		}
		out = append(out, Finding{Kind: KindCronSocket, Severity: Medium, File: j.file, Line: j.line, Message: msg})
	}
	return out
}

// checkIdleTimeout: the agent locks between two runs of a mail sync.
func checkIdleTimeout(in *Input, s *setup) []Finding {
	if len(wiredEntries(s)) == 0 {
		return nil
	}
	ttl, whose := in.DefaultTTL, "the default of 'imapvault unlock'"
	if in.DefaultTTLSet {
		whose = "ttl in " + in.AgentConfig
	}
	if in.Agent.Unlocked {
		ttl, whose = in.Agent.TTL, "the running agent's"
	}
	if ttl <= 0 {
		return nil
	}
	var out []Finding
	for _, j := range s.jobs {
		prog := syncProgram(j.command)
		if prog == "" || j.every <= ttl {
			continue
		}
		want := short(j.every + 5*60e9)
		fix := fmt.Sprintf("unlock with --ttl %s or more (--max still bounds the day)", want)
		if in.AgentConfig != "" {
			fix = fmt.Sprintf("set ttl = %s or more in %s, which every unlock uses, or unlock with --ttl %s (max still bounds the day)", want, in.AgentConfig, want)
		}
		out = append(out, Finding{Kind: KindIdleTimeout, Severity: Medium, File: j.file, Line: j.line,
			Message: fmt.Sprintf("%s runs every %s here, but the agent locks after %s without use (%s), so runs find it locked: %s",
				prog, short(j.every), short(ttl), whose, fix)})
	}
	return out
}
