package cli

import (
	"fmt"
	"time"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/vault"
)

// scoreAndKeep computes the strength scores f's vault lacks (the cold path:
// zxcvbn on every core, progress on stderr when someone watches) and keeps
// them in the vault, so the next audit only looks them up. Keeping them is
// best effort: when the lock is busy or the save fails, this audit still
// has its scores and the next one computes them again.
func (e *env) scoreAndKeep(f *vault.File, id *vault.Identity) {
	var progress func(done, total int)
	if e.stderrIsTerminal() {
		last := time.Time{}
		progress = func(done, total int) {
			if now := time.Now(); done == total || now.Sub(last) > 100*time.Millisecond {
				last = now
				fmt.Fprintf(e.stderr, "\rscoring password strength: %d of %d", done, total)
				if done == total {
					fmt.Fprintln(e.stderr)
				}
			}
		}
	}
	if audit.Score(f.Vault, progress) == 0 {
		return
	}
	lf, err := vault.OpenLocked(e.vaultPath, id)
	if err != nil {
		return
	}
	defer lf.Close()
	audit.CopyScores(lf.Vault, f.Vault)
	if _, err := lf.SaveMerged(); err != nil {
		fmt.Fprintf(e.stderr, "imapvault: warning: could not keep the strength scores in the vault (%s); the next audit computes them again\n", line(err.Error()))
	}
}
