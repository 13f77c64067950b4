package cli

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/vault"
)

// recipientJSON is one line of `recipients list --json`: public keys and
// labels only, never an identity.
type recipientJSON struct {
	Key       string     `json:"key"`
	Label     string     `json:"label"`
	Added     time.Time  `json:"added"`
	AddedBy   string     `json:"added_by,omitempty"`
	Removed   *time.Time `json:"removed,omitempty"`
	RemovedBy string     `json:"removed_by,omitempty"`
	Status    string     `json:"status"` // active or removed
	You       bool       `json:"you"`    // the identity in use opens the vault with this key
}

func writeRecipientsJSON(w io.Writer, rs []vault.Recipient, mine string) error {
	out := make([]recipientJSON, 0, len(rs))
	for _, r := range rs {
		j := recipientJSON{Key: r.Key, Label: r.Label, Added: r.Added, AddedBy: r.AddedBy,
			Removed: r.Removed, RemovedBy: r.RemovedBy, Status: "active", You: r.Key == mine}
		if r.Removed != nil {
			j.Status = "removed"
		}
		out = append(out, j)
	}
	// Labels and keys come from the vault file: exact, but with C1 and
	// bidi escaped too, like every --json.
	return termtext.WriteJSON(w, out)
}

// stdoutIsTerminal reports whether a person reads stdout directly.
func (e *env) stdoutIsTerminal() bool {
	f, ok := e.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
