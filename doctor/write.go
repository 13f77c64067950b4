package doctor

import (
	"fmt"
	"io"

	"github.com/imapvault/imapvault/internal/termtext"
)

// WriteJSON prints {"findings": [...]}, exact text escaped.
func WriteJSON(w io.Writer, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	return termtext.WriteJSON(w, struct {
		Findings []Finding `json:"findings"`
	}{fs})
}

// WriteText prints one finding a paragraph, paths under home as ~/, every
// field through the sanitizer (configs and account names are untrusted).
func WriteText(w io.Writer, fs []Finding, home string) error {
	for _, f := range fs {
		where := ""
		if f.File != "" {
			where = tilde(home, f.File)
			if f.Line > 0 {
				where += fmt.Sprintf(":%d", f.Line)
			}
			where = " " + termtext.Line(where)
		}
		acct := ""
		if f.Account != "" {
			acct = " [" + termtext.Line(f.Account) + "]"
		}
		if _, err := fmt.Fprintf(w, "%-6s %s%s%s\n  %s\n", f.Severity, f.Kind, where, acct, termtext.Text(f.Message, 2000)); err != nil {
			return err
		}
	}
	var err error
	if len(fs) == 0 {
		_, err = fmt.Fprintln(w, "doctor: nothing to fix")
	} else {
		_, err = fmt.Fprintf(w, "doctor: %d to fix\n", len(fs))
	}
	return err
}
