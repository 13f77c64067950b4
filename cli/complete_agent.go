package cli

import (
	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/internal/termtext"
)

// Completion asks an unlocked agent for the account names; the agent never
// prompts and answers "locked" or "not running" at once.
func init() {
	namesFromAgent = func(e *env) ([]string, string, bool) {
		names, err := agent.NamesIfUnlocked(e.getenv, e.vaultPath)
		if err != nil {
			return nil, agent.Locate(e.getenv).Lost(err), false
		}
		safe := names[:0]
		for _, n := range names {
			if termtext.Safe(n) { // see completionNames
				safe = append(safe, n)
			}
		}
		return safe, "", true
	}
}
