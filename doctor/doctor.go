// Package doctor looks at a user's mail setup from the outside — client
// configs, cron, systemd timers, the agent, the SASL plugins — and says
// what keeps the vault from being the only source of truth, and what to
// fix. Each check is one small function over Input; Run calls them all.
package doctor

import (
	"cmp"
	"slices"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// Finding kinds.
const (
	KindPlaintextCopy    = "plaintext_copy"        // a vault secret written in a client config
	KindNotWired         = "not_wired"             // a config names a vault account but gets its password elsewhere
	KindAgentUnreachable = "agent_unreachable"     // clients run imapvault-get, no agent answers
	KindGetMissing       = "imapvault_get_missing" // the password command is not on PATH where it runs
	KindCronSocket       = "cron_agent_socket"     // cron has no XDG_RUNTIME_DIR: it looks for another socket
	KindIdleTimeout      = "idle_timeout_short"    // the agent locks between two syncs
	KindSASLPlugin       = "sasl_xoauth2_missing"  // mbsync XOAUTH2 without the Cyrus SASL plugin
	KindTokenNotWired    = "token_not_wired"       // an OAuth2 client gets its token elsewhere
	KindRefreshIdle      = "refresh_token_idle"    // a refresh token near the provider's idle expiry
)

// Severities, worst first.
const (
	High   = "high"
	Medium = "medium"
	Low    = "low"
)

// Finding is one thing to fix. File and Line say where, when it is a file;
// Account names the vault account concerned, when one is. No secret is
// ever in a finding.
type Finding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Account  string `json:"account"`
	Message  string `json:"message"`
}

// Agent is what the shell's agent said.
type Agent struct {
	Socket   string        // where the shell looks for it
	Running  bool          // it answered
	Unlocked bool          //
	TTL      time.Duration // its idle limit when unlocked (0: none)
}

// Input is everything the checks look at.
type Input struct {
	Home      string
	XDGConfig string // "" means Home/.config
	Getenv    func(string) string
	Vault     *vault.Vault
	Agent     Agent
	// DefaultTTL is the idle limit 'imapvault unlock' gives when told none
	// (agent.conf's ttl, else agent.DefaultTTL): the agent's, when it is
	// not unlocked now. AgentConfig is that settings file ("" unknown);
	// DefaultTTLSet says the ttl came from it.
	DefaultTTL    time.Duration
	AgentConfig   string
	DefaultTTLSet bool
	// Crontab is the user's crontab ("" none); CrontabFile names it in
	// findings.
	Crontab     string
	CrontabFile string
	// SASLDirs are where Cyrus SASL looks for plugins.
	SASLDirs []string
	// CronSocket is where imapvault-get looks for the agent without
	// XDG_RUNTIME_DIR (wire.Dir's fallback).
	CronSocket string
	Now        time.Time
}

func (in *Input) xdgConfig() string {
	if in.XDGConfig != "" {
		return in.XDGConfig
	}
	return in.Home + "/.config"
}

// check is one diagnosis over the gathered setup.
type check func(in *Input, s *setup) []Finding

var checks = []check{
	checkPlaintext, checkNotWired, checkAgent, checkGetMissing, checkCronSocket,
	checkIdleTimeout, checkSASL, checkTokenWired, checkRefreshIdle,
}

// Run gathers the setup once and runs every check: findings worst first,
// then by file and line.
func Run(in *Input) []Finding {
	s := gather(in)
	var out []Finding
	for _, c := range checks {
		out = append(out, c(in, s)...)
	}
	rank := map[string]int{High: 0, Medium: 1, Low: 2}
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(rank[a.Severity], rank[b.Severity]), cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Account, b.Account))
	})
	return out
}
