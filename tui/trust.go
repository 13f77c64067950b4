package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

// announceRecipients puts recipients someone else added on the status
// line, each once per session (the vault remembers them as seen, so the
// next session does not repeat them). It reports whether it said anything.
func (m *Model) announceRecipients(f *vault.File) bool {
	if f == nil {
		return false
	}
	if m.outside.announced == nil {
		m.outside.announced = map[string]bool{}
	}
	var fresh []string
	for _, r := range f.NewRecipients() {
		if m.outside.announced[r.Key] {
			continue
		}
		m.outside.announced[r.Key] = true
		who := termtext.LineN(r.Label, 32)
		if who == "" {
			who = r.ShortKey()
		}
		fresh = append(fresh, fmt.Sprintf("%s (%s, added by %s)", who, r.ShortKey(), termtext.LineN(r.AddedBy, 32)))
	}
	if len(fresh) == 0 {
		return false
	}
	m.setStatus("new recipient of the vault: "+strings.Join(fresh, "; ")+" — they can read every password; if unknown, remove them (imapvault recipients remove)", true)
	return true
}

// refusalText words a vault file that does not authenticate, for the
// status line: nothing of it was merged or saved.
func refusalText(err error, path string) (string, bool) {
	if !errors.Is(err, vault.ErrUntrusted) {
		return "", false
	}
	// What to do first: the status line is capped, and err names the file
	// again with a long path.
	return fmt.Sprintf("refused the vault file on disk, nothing merged or saved; check it with: age -d -i IDENTITY %s | jq .recipients — %v", path, err), true
}
