package audit

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/imapvault/imapvault/internal/termtext"
)

// WriteJSON writes the `audit --json` contract:
// {"findings": [{account, kind, severity, message, count?}]}, with an empty
// array (never null) when clean.
func WriteJSON(w io.Writer, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	// Exact text; C1 and bidi escaped too; <, >, & left as they are
	// (messages quote commands in backticks). Streamed: a large vault's
	// report is megabytes.
	if err := termtext.WriteJSONList(w, "findings", fs); err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return nil
}

// ANSI styles for the severity headings; kept to a few SGR codes so the
// report needs no terminal library.
var sevStyle = map[Severity]string{
	Critical: "\x1b[1;31m",
	High:     "\x1b[31m",
	Medium:   "\x1b[33m",
	Low:      "\x1b[36m",
}

const (
	styleDim   = "\x1b[2m"
	styleReset = "\x1b[0m"
)

// WriteText writes the human report: findings grouped by severity, worst
// first, then a count line; a single "clean" line when there is nothing.
func WriteText(w io.Writer, fs []Finding, color bool) error {
	var b strings.Builder
	paint := func(style, s string) string {
		if !color || style == "" {
			return s
		}
		return style + s + styleReset
	}
	if len(fs) == 0 {
		b.WriteString(paint("\x1b[32m", "clean: no findings") + "\n")
		return flush(w, &b)
	}
	nameW, kindW := 0, 0
	for _, f := range fs {
		nameW = max(nameW, utf8.RuneCountInString(clean(f.Account, 40)))
		kindW = max(kindW, len(f.Kind))
	}
	counts := map[Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
	}
	groups := append([]Severity{}, Severities...)
	for _, f := range fs { // keep findings with an unknown severity visible
		if f.Severity.Rank() == 0 && counts[f.Severity] > 0 && !containsSev(groups, f.Severity) {
			groups = append(groups, f.Severity)
		}
	}
	var summary []string
	first := true
	for _, sev := range groups {
		if counts[sev] == 0 {
			continue
		}
		if !first {
			b.WriteString("\n")
		}
		first = false
		summary = append(summary, fmt.Sprintf("%d %s", counts[sev], sev))
		fmt.Fprintf(&b, "%s (%d)\n", paint(sevStyle[sev], strings.ToUpper(string(sev))), counts[sev])
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			name := clean(f.Account, 40)
			fmt.Fprintf(&b, "  %s%s  %-*s  %s", name, strings.Repeat(" ", nameW-utf8.RuneCountInString(name)), kindW, f.Kind, clean(f.Message, 400))
			if f.Accepted != nil {
				b.WriteString(paint(styleDim, " "+acceptedNote(f)))
			}
			b.WriteString("\n")
		}
	}
	noun := "findings"
	if len(fs) == 1 {
		noun = "finding"
	}
	fmt.Fprintf(&b, "\n%d %s: %s\n", len(fs), noun, strings.Join(summary, ", "))
	return flush(w, &b)
}

func acceptedNote(f Finding) string {
	s := "[accepted"
	if f.Accepted.Until != nil {
		s += " until " + day(*f.Accepted.Until)
	}
	if f.Accepted.Note != "" {
		s += ": " + clean(f.Accepted.Note, 80)
	}
	return s + "]"
}

func containsSev(list []Severity, s Severity) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func flush(w io.Writer, b *strings.Builder) error {
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write audit report: %w", err)
	}
	return nil
}

// WriteAccepted lists acceptances for `imapvault audit --accepted`-style
// output: account, kind, until-date and note, one per line, or a line
// saying there are none.
func WriteAccepted(w io.Writer, entries []AcceptedEntry) error {
	var b strings.Builder
	if len(entries) == 0 {
		b.WriteString("no accepted findings\n")
		return flush(w, &b)
	}
	nameW, kindW := 0, 0
	for _, e := range entries {
		nameW = max(nameW, utf8.RuneCountInString(clean(e.Account, 40)))
		kindW = max(kindW, len(clean(e.Kind, 20)))
	}
	for _, e := range entries {
		name := clean(e.Account, 40)
		until := "until withdrawn"
		if e.Until != nil {
			until = "until " + day(*e.Until)
		}
		line := fmt.Sprintf("%s%s  %-*s  %-16s  accepted %s", name, strings.Repeat(" ", nameW-utf8.RuneCountInString(name)),
			kindW, clean(e.Kind, 20), until, day(e.At))
		if e.Note != "" {
			line += ": " + clean(e.Note, 200)
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return flush(w, &b)
}
