package audit

import (
	"fmt"

	"github.com/imapvault/imapvault/vault"
)

// smtpFindings: the last check of the account's SMTP server failed
// (smtp_failed), or it took the login but refused to send as the
// account's address (sender_refused).
func smtpFindings(v *vault.Vault) []Finding {
	var out []Finding
	for _, a := range v.Accounts {
		if a.LastCheck == nil || a.SMTP == nil {
			continue
		}
		c := a.LastCheck.SMTP
		if c == nil || c.Status == "" || c.Status == "ok" {
			continue
		}
		endpoint := fold(a.SMTP.Addr(), 80)
		kind, sev, what := SMTPFailed, Medium, ""
		todo := fmt.Sprintf("check the SMTP host, port and security, then run `imapvault check %s`", shellQuote(a.Name))
		switch c.Status {
		case "sender_refused":
			kind, sev = SenderRefused, High
			what = fmt.Sprintf("%s took the login but will not send as %s", endpoint, fold(a.Address, 80))
			todo = "fix the address with `imapvault edit` or ask the server's admin to let this login send as it (smtpd_sender_login_maps)"
		case "auth_failed":
			sev, what = High, fmt.Sprintf("%s refused the stored credential, so sending fails", endpoint)
			todo = fmt.Sprintf("the SMTP server may check another password store than IMAP; fix it there or set --smtp-user, then run `imapvault check %s`", shellQuote(a.Name))
		case "auth_unavailable":
			sev, what = High, fmt.Sprintf("%s offers no login this credential can use (basic auth off, or no AUTH)", endpoint)
			todo = "switch the account to OAuth2 or an app password, or fix the server's AUTH settings"
		case "insecure_refused":
			what = fmt.Sprintf("%s wants TLS before AUTH", endpoint)
			todo = fmt.Sprintf("switch SMTP to starttls or tls with `imapvault edit %s --smtp-security starttls`", shellQuote(a.Name))
		case "tls_error":
			sev, what = High, fmt.Sprintf("the TLS connection to %s failed", endpoint)
		case "unreachable":
			what = fmt.Sprintf("%s could not be reached", endpoint)
		case "timeout":
			what = fmt.Sprintf("%s did not answer in time", endpoint)
		default:
			what = fmt.Sprintf("the SMTP check of %s ended with %q", endpoint, fold(c.Status, 40))
		}
		msg := fmt.Sprintf("%s at the last check (%s)", what, day(c.At))
		if words := serverWords(c); words != "" {
			msg = fmt.Sprintf("%s at the last check (%s, server said %q)", what, day(c.At), words)
		}
		out = append(out, Finding{AccountID: a.ID, Account: a.Name, Kind: kind, Severity: sev, Message: msg + ": " + todo})
	}
	return out
}
