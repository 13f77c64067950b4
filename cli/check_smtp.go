package cli

import (
	"fmt"
	"io"

	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// writeSMTPLine is the SMTP side of an account in check's table: a line
// of its own under the account's, named "  smtp".
func writeSMTPLine(w io.Writer, width int, r smtpcheck.Result) {
	cert := "-"
	if r.TLS != nil && !r.TLS.NotAfter.IsZero() {
		cert = fmt.Sprintf("%dd", r.TLS.DaysLeft)
	}
	says := ""
	if !r.OK() {
		says = r.Message
	}
	status := "ok"
	if !r.OK() {
		status = "FAIL " + string(r.Status)
	}
	// The server's words are untrusted: line() sanitizes them.
	fmt.Fprintf(w, "%-*s  %-16s %6dms  %-9s %s\n", width, "  smtp", status, r.Timings.Total.Milliseconds(), cert, line(says))
}

func redactSMTPResult(r *smtpcheck.Result, secrets []string) {
	for _, p := range []*string{&r.Message, &r.Greeting, &r.Code} {
		*p = vault.Redact(*p, secrets...)
	}
	if t := r.TLS; t != nil {
		for _, p := range []*string{&t.Subject, &t.Issuer, &t.VerifyError} {
			*p = vault.Redact(*p, secrets...)
		}
	}
}
