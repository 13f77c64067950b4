package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

// proveTimeout bounds the login that proves a discovered account.
const proveTimeout = 30 * time.Second

// discoverAccount fills a (which has an address and no host) from what
// discovery finds. Flags the person gave (set) win. Servers found through
// DNS need a yes: --yes, or an answer on the terminal.
//
// For an OAuth2 account it returns the OAuth2 settings the discovered
// <oAuth2> block gives (nil: none), for the flags to build on.
func (e *env) discoverAccount(a *vault.Account, set map[string]bool, df *discoverFlags, isOAuth bool) (*vault.OAuth, error) {
	r, err := e.discoverAddress(a.Address, df)
	if err != nil {
		return nil, err
	}
	applyDiscovered(a, r, set)
	printDiscovered(e.stdout, r, df.yes)
	if !isOAuth && !r.HasAuth(discover.AuthPassword) {
		hint := "add it with --auth oauth2 --provider (google, microsoft or custom) and your --client-id"
		if r.OAuth != nil {
			hint = "add it with --auth oauth2: the servers' OAuth2 settings were found too"
		}
		return nil, usageErr(fmt.Errorf("%s logs in with OAuth2 only, not with a password", a.Host), hint)
	}
	if r.Confirm && !df.yes {
		if err := e.confirmServers(a, r); err != nil {
			return nil, err
		}
	}
	if !isOAuth || r.OAuth == nil {
		return nil, nil
	}
	o, err := oauth.FromAutoconfig(oauth.Autoconfig{Issuer: r.OAuth.Issuer, AuthURL: r.OAuth.AuthURL,
		TokenURL: r.OAuth.TokenURL, Scope: strings.Join(r.OAuth.Scopes, " "), ClientID: r.OAuth.ClientID})
	if err != nil {
		fmt.Fprintf(e.stderr, "imapvault: warning: the discovered OAuth2 settings are not usable (%s); give --provider\n", line(err.Error()))
		return nil, nil
	}
	o.ClientSecret = r.OAuth.ClientSecret // a published one, if any; never printed
	return o, nil
}

// applyDiscovered copies what was found into a, except what the flags in
// set gave. A security given without a port gets its own default port,
// not the one found for another security.
func applyDiscovered(a *vault.Account, r *discover.Result, set map[string]bool) {
	a.Address = r.Address
	a.Host = r.IMAP.Host
	if !set["security"] {
		a.Security = r.IMAP.Security
	}
	if !set["port"] {
		a.Port = 0
		if a.Security == r.IMAP.Security {
			a.Port = r.IMAP.Port
		}
	}
	if !set["user"] {
		a.Username = r.IMAP.Username
	}
	if !set["name"] {
		a.Name = r.Address
	}
	if a.SMTP == nil && r.SMTP != nil {
		s := &vault.Endpoint{Host: r.SMTP.Host, Port: r.SMTP.Port, Security: r.SMTP.Security}
		if r.SMTP.Username != r.IMAP.Username {
			s.Username = r.SMTP.Username // else: the account's username, given or found
		}
		a.SMTP = s
	}
}

// confirmServers asks the person, on the terminal, whether servers found
// through DNS are theirs. Without a terminal it refuses: a script says --yes.
func (e *env) confirmServers(a *vault.Account, r *discover.Result) error {
	refuse := usageErr(fmt.Errorf("the servers for %s were found through DNS (%s) and need your confirmation", r.Address, r.Source),
		"check them above, then run the command again with --yes")
	t, owned, err := e.terminal()
	if err != nil {
		return refuse
	}
	if owned {
		defer t.Close()
	}
	fmt.Fprintf(e.stderr, "Send the password for %s to %s? [y/N] ", line(a.Name), line(a.Addr()))
	ans, err := bufio.NewReader(t).ReadString('\n')
	if err != nil && ans == "" {
		return refuse
	}
	if s := strings.ToLower(strings.TrimSpace(ans)); s != "y" && s != "yes" {
		return usageErr(errors.New("not confirmed: nothing was saved"), "")
	}
	return nil
}

// proveAccount logs in to a's servers with its credential before it is
// saved, as check does (lastcheck.Prove: IMAP, and SMTP when a has an
// endpoint), and keeps the result as its last check. A failure on either
// side saves nothing unless noCheck; the error names the side.
func (e *env) proveAccount(a *vault.Account, noCheck bool) error {
	bearer := ""
	if a.IsOAuth2() {
		if bearer = a.OAuth.AccessToken; bearer == "" {
			fmt.Fprintln(e.stdout, "not proven: no OAuth2 access token yet ('imapvault check' proves it)")
			return nil
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(e.stdout, "logging in to %s as %s...\n", line(a.Addr()), line(a.Username))
	st, hasSMTP := lastcheck.SMTPTarget(a, nil)
	if hasSMTP {
		fmt.Fprintf(e.stdout, "and to %s (SMTP) as %s, sending nothing...\n", line(st.Addr()), line(st.Username))
	}
	b := lastcheck.Prove(ctx, a, bearer, proveTimeout, tlsConfig())
	oauth.ExplainRefusal(a, &b.IMAP)
	redactResult(&b.IMAP, a.Secrets())
	if b.SMTP != nil {
		redactSMTPResult(b.SMTP, a.Secrets())
	}
	rec := lastcheck.RecordBoth(b)
	rec.LastOK = lastcheck.LastOK(nil, rec)
	if rec.SMTP != nil {
		rec.SMTP.LastOK = lastcheck.LastOK(nil, rec.SMTP)
	}
	a.LastCheck = rec
	var failed []string
	if b.IMAP.OK() {
		fmt.Fprintf(e.stdout, "IMAP login ok (%s)\n", tlsWords(b.IMAP.TLS))
	} else {
		fmt.Fprintf(e.stdout, "IMAP login FAILED: %s\n", b.IMAP.Status)
		failed = append(failed, fmt.Sprintf("the IMAP login to %s failed (%s): %s", a.Addr(), b.IMAP.Status, b.IMAP.Message))
	}
	if s := b.SMTP; s != nil && s.OK() {
		fmt.Fprintf(e.stdout, "SMTP login ok (%s), may send as %s\n", tlsWords(s.TLS), line(a.Address))
	} else if s != nil {
		fmt.Fprintf(e.stdout, "SMTP login FAILED: %s\n", s.Status)
		failed = append(failed, fmt.Sprintf("the SMTP check at %s failed (%s): %s", st.Addr(), s.Status, s.Message))
	}
	if len(failed) == 0 {
		return nil
	}
	msg := errors.New(strings.Join(failed, "; "))
	if noCheck {
		fmt.Fprintf(e.stderr, "imapvault: warning: %s; saving anyway (--no-check)\n", line(msg.Error()))
		return nil
	}
	return &cliError{code: exitFound, err: msg, hint: proveHint(b)}
}

// proveHint says what to do about a failed proof: the password when the
// IMAP login was refused, the sending settings when only SMTP failed.
func proveHint(b lastcheck.Both) string {
	const anyway = ", or save anyway with --no-check"
	switch {
	case b.IMAP.Status == imapcheck.StatusAuthFailed:
		return "nothing was saved; check the password (the provider may want an app password)" + anyway
	case !b.IMAP.OK():
		return "nothing was saved; check the password and the IMAP settings" + anyway
	case b.SMTP.Status == smtpcheck.StatusSenderRefused:
		return "nothing was saved; the login may not send as this address: fix --address or the server's sender map" + anyway
	case b.SMTP.Status == smtpcheck.StatusAuthFailed:
		return "nothing was saved; IMAP took the password but SMTP did not: the submission server may want its own login (--smtp-user)" + anyway
	}
	return "nothing was saved; IMAP works: fix the SMTP settings (--smtp-host, --smtp-port, --smtp-security)" + anyway
}

func tlsWords(t *imapcheck.TLSInfo) string {
	if t == nil {
		return "no TLS"
	}
	return t.Version
}
