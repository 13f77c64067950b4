package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/posture"
	"github.com/imapvault/imapvault/vault"
)

// Nagios plugin return codes (monitoring-plugins.org guidelines).
const (
	nagiosOK       = 0
	nagiosWarning  = 1
	nagiosCritical = 2
	nagiosUnknown  = 3
)

var nagiosStates = [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}

// nagiosNamesShown caps the names on the status line; the long output
// below it names every problem.
const nagiosNamesShown = 5

// nagiosWanted reports whether --nagios is on the line, so that even a
// parse error can be answered the Nagios way.
func nagiosWanted(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		switch a {
		case "--nagios", "-nagios", "--nagios=true", "-nagios=true", "--nagios=1":
			return true
		}
	}
	return false
}

// nagiosUnknownErr turns a failure of the check itself (usage, vault, I/O)
// into the UNKNOWN state: a status line on stdout and exit 3. The usual
// error and hint still go to stderr.
func nagiosUnknownErr(e *env, err error) error {
	var se silentExit
	if err == nil || errors.Is(err, flag.ErrHelp) || errors.As(err, &se) {
		return err
	}
	fmt.Fprintf(e.stdout, "IMAPVAULT UNKNOWN - %s\n", nagiosText(err.Error(), 200))
	hint := hintFor(err, e.vaultPath)
	var ce *cliError
	if errors.As(err, &ce) && ce.hint != "" {
		hint = ce.hint
	}
	return &cliError{code: nagiosUnknown, err: err, hint: hint}
}

// nagiosText makes untrusted text safe for a terminal and for Nagios, where
// '|' starts the performance data.
func nagiosText(s string, max int) string {
	return strings.ReplaceAll(termtext.LineN(s, max), "|", "/")
}

type nagiosInput struct {
	accts              []*vault.Account
	results            []lastcheck.Both
	warnDays, critDays int
	elapsed            time.Duration
	saveErr            error
	posture            []posture.AccountResult // with --posture
}

type nagiosProblem struct {
	state int
	short string // "name (status)" for the status line
	long  string // the line of long output
}

// writeNagios prints the plugin output and returns the state as exit code.
func writeNagios(w io.Writer, in nagiosInput) error {
	var failed, certCrit, certWarn []nagiosProblem
	failedAccts := 0
	for i, b := range in.results {
		r := b.IMAP
		name := nagiosText(in.accts[i].Name, 80)
		if !b.OK() {
			failedAccts++
		}
		if s := b.SMTP; s != nil {
			if !s.OK() {
				failed = append(failed, nagiosProblem{nagiosCritical, fmt.Sprintf("%s (smtp %s)", name, s.Status),
					fmt.Sprintf("CRITICAL: %s: smtp %s: %s", name, s.Status, nagiosText(s.Message, 200))})
			} else if s.TLS != nil && !s.TLS.NotAfter.IsZero() {
				host := nagiosText(in.accts[i].SMTP.Host, 80)
				switch d := s.TLS.DaysLeft; {
				case d <= in.critDays:
					certCrit = append(certCrit, nagiosProblem{nagiosCritical, fmt.Sprintf("%s smtp (%s)", name, daysLeft(d)),
						fmt.Sprintf("CRITICAL: %s: certificate of %s %s", name, host, expiresIn(d))})
				case d <= in.warnDays:
					certWarn = append(certWarn, nagiosProblem{nagiosWarning, fmt.Sprintf("%s smtp (%s)", name, daysLeft(d)),
						fmt.Sprintf("WARNING: %s: certificate of %s %s", name, host, expiresIn(d))})
				}
			}
		}
		switch days := certDays(r); {
		case !r.OK():
			msg := r.Message
			if r.Alert != "" && r.Alert != msg {
				msg = strings.TrimSpace(msg + " [ALERT] " + r.Alert)
			}
			failed = append(failed, nagiosProblem{nagiosCritical, fmt.Sprintf("%s (%s)", name, r.Status),
				fmt.Sprintf("CRITICAL: %s: %s: %s", name, r.Status, nagiosText(msg, 200))})
		case days != nil && *days <= in.critDays:
			certCrit = append(certCrit, nagiosProblem{nagiosCritical, fmt.Sprintf("%s (%s)", name, daysLeft(*days)),
				fmt.Sprintf("CRITICAL: %s: certificate of %s %s", name, nagiosText(in.accts[i].Host, 80), expiresIn(*days))})
		case days != nil && *days <= in.warnDays:
			certWarn = append(certWarn, nagiosProblem{nagiosWarning, fmt.Sprintf("%s (%s)", name, daysLeft(*days)),
				fmt.Sprintf("WARNING: %s: certificate of %s %s", name, nagiosText(in.accts[i].Host, 80), expiresIn(*days))})
		}
	}
	n := len(in.results)
	state := nagiosOK
	var parts []string
	if len(failed) > 0 {
		state = nagiosCritical
		verb := "fail"
		if failedAccts == 1 {
			verb = "fails"
		}
		parts = append(parts, fmt.Sprintf("%d of %d accounts %s to log in: %s", failedAccts, n, verb, shortList(failed)))
	}
	if len(certCrit) > 0 {
		state = nagiosCritical
		parts = append(parts, certPart(certCrit, in.critDays))
	}
	if len(certWarn) > 0 {
		state = max(state, nagiosWarning)
		parts = append(parts, certPart(certWarn, in.warnDays))
	}
	postCrit, postWarn, postLow := nagiosPosture(in.posture)
	if len(postCrit) > 0 {
		state = nagiosCritical
		parts = append(parts, posturePart(postCrit))
	}
	if len(postWarn) > 0 {
		state = max(state, nagiosWarning)
		parts = append(parts, posturePart(postWarn))
	}
	var long []string
	for _, list := range [][]nagiosProblem{failed, certCrit, certWarn, postCrit, postWarn, postLow} {
		for _, p := range list {
			long = append(long, p.long)
		}
	}
	if in.saveErr != nil {
		// The logins were checked; only keeping them failed.
		state = max(state, nagiosWarning)
		parts = append(parts, "results not saved")
		long = append(long, "WARNING: results not saved: "+nagiosText(in.saveErr.Error(), 200))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d of %d accounts log in, no certificate expires within %d days", n, n, in.warnDays))
	}
	ok := n - failedAccts
	perf := ""
	if in.posture != nil {
		perf = fmt.Sprintf(" posture=%d;;;0", len(postCrit)+len(postWarn)+len(postLow))
	}
	fmt.Fprintf(w, "IMAPVAULT %s - %s | ok=%d;;;0;%d failed=%d;;;0;%d time=%.2fs;;;0%s\n",
		nagiosStates[state], strings.Join(parts, "; "), ok, n, failedAccts, n, in.elapsed.Seconds(), perf)
	for _, l := range long {
		fmt.Fprintln(w, l)
	}
	if state == nagiosOK {
		return nil
	}
	return silentExit(state)
}

func certDays(r imapcheck.Result) *int {
	if r.TLS == nil || r.TLS.NotAfter.IsZero() {
		return nil
	}
	d := r.TLS.DaysLeft
	return &d
}

func shortList(ps []nagiosProblem) string {
	var names []string
	for i, p := range ps {
		if i == nagiosNamesShown {
			names = append(names, "...")
			break
		}
		names = append(names, p.short)
	}
	return strings.Join(names, ", ")
}

func certPart(ps []nagiosProblem, days int) string {
	what := "certificates expire"
	if len(ps) == 1 {
		what = "certificate expires"
	}
	return fmt.Sprintf("%d %s within %d days: %s", len(ps), what, days, shortList(ps))
}

func daysLeft(d int) string {
	if d < 0 {
		return "expired"
	}
	if d == 1 {
		return "1 day left"
	}
	return fmt.Sprintf("%d days left", d)
}

func expiresIn(d int) string {
	switch {
	case d < 0:
		return fmt.Sprintf("expired %d days ago", -d)
	case d == 1:
		return "expires in 1 day"
	}
	return fmt.Sprintf("expires in %d days", d)
}
