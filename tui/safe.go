package tui

import (
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/internal/termtext"
)

// Untrusted text (account fields, server words, certificate names, hook and
// plugin output, imported notes) reaches the screen only through these:
// controls, ESC, C1 and bidi overrides are shown escaped, so a name cannot
// colour the screen, open a link, write the clipboard or fake a row.

// safe is one line of untrusted text, capped at termtext.DefaultMax runes.
func safe(s string) string { return termtext.Line(s) }

// safeText keeps newlines (notes, hook output) and escapes the rest.
func safeText(s string, max int) string { return termtext.Text(s, max) }

// safeAddr is user@host:port with both names made safe.
func safeAddr(user, host string, port int) string {
	return fmt.Sprintf("%s@%s:%d", safe(user), safe(host), port)
}

// safeWords makes each word safe (capabilities, tags).
func safeWords(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = safe(w)
	}
	return out
}

// plural is "1 account", "2 accounts".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// indentLines indents every line after the first by n spaces.
func indentLines(s string, n int) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}
