package cli

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/imapvault/imapvault/internal/termtext"
)

// maxShownCommand is the longest password command the consent prompt shows
// and so may run: whatever can't be read whole on a screen is not run.
const maxShownCommand = 1024

// showCommand renders a password command for the consent prompt: every
// byte that will run, on one line. Controls, bidi and invalid bytes are
// escaped by termtext; runs of spaces and every other kind of space or
// invisible character are written out, so nothing hides a tail
// ("pass show x<290 spaces>; touch PWNED"). ok is false for a command too
// long to show whole.
func showCommand(c string) (shown string, ok bool) {
	if len(c) > maxShownCommand {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(c); {
		if c[i] == ' ' {
			j := i
			for j < len(c) && c[j] == ' ' {
				j++
			}
			if n := j - i; n > 1 {
				fmt.Fprintf(&b, "[%d spaces]", n)
			} else {
				b.WriteByte(' ')
			}
			i = j
			continue
		}
		r, size := utf8.DecodeRuneInString(c[i:])
		if r > 0x9f && (unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)) {
			fmt.Fprintf(&b, `\u%04x`, r) // NBSP, ideographic space, zero-width joiners...
		} else {
			b.WriteString(termtext.LineN(c[i:i+size], 0))
		}
		i += size
	}
	return "`" + b.String() + "`", true
}
