package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "add", summary: "add an account", run: runAdd})
}

func runAdd(e *env, args []string) error {
	fs := e.flags("add", "add --name N --host H [--port P] [--security tls|starttls|insecure] --user U [--password-stdin] [--changed YYYY-MM-DD]\n       [--address ADDR] [--smtp-host H [--smtp-port P] [--smtp-security tls|starttls|insecure] [--smtp-user U]] [--ca-file FILE]\n       add --address ADDRESS [--name N] [--password-stdin] [--no-check] [--yes] [--offline] [--ispdb URL]\n       [--auth oauth2 --provider google|microsoft|custom [--client-id ID] [--client-secret-file F] [--issuer URL] [--tenant T]\n        [--auth-url U] [--token-url U] [--device-url U] [--scope S] [--oauth-identity ADDR] [--device | --browser] [--copy-code] [--refresh-token-stdin]]", `
Adds one IMAP account. The password is read from the terminal without echo,
or as the first line of standard input with --password-stdin. It is never
taken from the command line, where other users could see it. A password with
a newline, carriage return or NUL byte is refused.

--auth oauth2 adds an account that logs in with OAuth2 (Gmail, Microsoft 365,
Outlook.com, any XOAUTH2/OAUTHBEARER server): name the --provider and the
--client-id you bring, or, for --provider custom, the --issuer: its
endpoints come from its metadata and, with no --client-id, imapvault
registers itself there. add runs the login flow (the device flow for
Microsoft, over ssh and without a display; a browser on this machine
otherwise; --device or --browser choose), checks that the consent came from
--user, or takes an existing refresh token with --refresh-token-stdin.

--address ADDRESS without --host finds the servers ('imapvault discover'),
shows what it will save, logs in to IMAP with the password and, when an SMTP
server was found, proves it as check does (AUTH, MAIL FROM and RCPT TO the
address; no message sent), and saves only when both work (--no-check saves
anyway). Flags given as well
(--name, --user, --port, --security) win over what was found. Servers found
through DNS (MX, SRV) are saved only after you said yes, or with --yes.

`+smtpHelp+`

`+caHelp+`

`+hookEnvHelp+`

`+recipeSettingHelp)
	name := fs.String("name", "", "account `name`, unique in the vault (required)")
	host := fs.String("host", "", "IMAP server `host` (required)")
	port := fs.Int("port", 0, "server `port` (default 993 for tls, 143 otherwise)")
	sec := fs.String("security", "tls", "`mode`: tls (implicit TLS), starttls, or insecure (cleartext)")
	user := fs.String("user", "", "login `username` (required)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	changed := fs.String("changed", "", "when the password was last changed, `YYYY-MM-DD` (default today)")
	notes := fs.String("notes", "", "free-form `notes`")
	tags := fs.String("tags", "", "comma-separated `tags`")
	hook := fs.String("hook", "", "rotation `command` (sh -c) that sets a new password at the provider, or recipe:NAME ('imapvault rotate --recipes'); 'imapvault rotate' uses it when given no --hook")
	after := fs.String("after", "", "`command` (sh -c) run after each committed rotation, e.g. to restart a sync timer")
	source := fs.String("password-source", "", "who makes new passwords: 'provider' (app passwords: rotate asks you to paste one) or 'generated' (the default)")
	var hookEnv envNames
	fs.Var(&hookEnv, "hook-env", "environment variable `NAME` the account's hooks and after command get beyond the allow-list (repeatable; names only)")
	var recipeSettings recipeSettingFlags
	fs.Var(&recipeSettings, "recipe-setting", "`NAME=VALUE` setting of the recipe:NAME hook, stored with the account (repeatable; never a secret)")
	of := addOAuthFlags(fs)
	address := fs.String("address", "", "the account's e-mail `address`; without --host, its servers are discovered")
	noCheck := fs.Bool("no-check", false, "with --address: save even when the login fails")
	df := addDiscoverFlags(fs)
	sf := addSMTPFlags(fs, false) // --address is the one above
	caFile := addCAFlag(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := checkRecipeHook(*hook); err != nil {
		return err
	}
	isOAuth, err := of.oauth2()
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr(fmt.Errorf("unexpected argument %q", pos[0]), "use --name NAME")
	}
	now := time.Now()
	a := &vault.Account{Name: *name, Host: *host, Port: *port, Security: vault.Security(*sec), Username: *user, Notes: *notes, Hook: *hook,
		After: strings.TrimSpace(*after), Address: strings.TrimSpace(*address)}
	if err := setPasswordSource(a, *source); err != nil {
		return err
	}
	if set["ca-file"] {
		if a.CAFile, err = caFilePath(*caFile, false); err != nil {
			return err
		}
	}
	if err := sf.apply(set, a, false); err != nil {
		return err
	}
	a.HookEnv, _ = hookEnv.names()
	if _, err := recipeSettings.apply(a, false); err != nil {
		return err
	}
	if *tags != "" {
		for _, t := range strings.Split(*tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				a.Tags = append(a.Tags, t)
			}
		}
	}
	if *changed != "" {
		d, err := time.ParseInLocation("2006-01-02", *changed, time.Local)
		if err != nil {
			return usageErr(fmt.Errorf("--changed %q is not a date", *changed), "write it as YYYY-MM-DD")
		}
		a.Changed = d
	}
	discovering := a.Address != "" && a.Host == ""
	var foundOAuth *vault.OAuth // the discovered <oAuth2> settings, for the flags to build on
	if discovering {
		if foundOAuth, err = e.discoverAccount(a, set, df, isOAuth); err != nil {
			return err
		}
	}
	if err := vault.Validate(a); err != nil {
		return usageErr(err, "run 'imapvault add --help'")
	}
	if isOAuth && !of.refreshStdin {
		// Say "name taken" before the person goes through a login.
		if f, err := e.open(); err == nil && f.Vault.Find(a.Name) != nil {
			return usageErr(fmt.Errorf("account %q: %w", a.Name, vault.ErrDuplicateName), "choose another --name")
		}
	}
	if isOAuth {
		// Before the vault's lock: a browser login may take minutes.
		if a.OAuth, err = of.settings(foundOAuth); err != nil {
			return err
		}
		a.Auth = vault.AuthOAuth2
		if of.refreshStdin {
			if a.OAuth.ClientID == "" {
				return usageErr(errors.New("--refresh-token-stdin needs the --client-id the token was issued to"), "or log in instead: leave out --refresh-token-stdin")
			}
			if err = e.resolveOAuth(a.Name, a.OAuth); err == nil {
				err = e.refreshTokenFromStdin(a.OAuth)
			}
		} else {
			e.namePublicClient(a.Name, a.OAuth)
			err = e.loginFlow(a, a.OAuth, of.flow)
		}
		if err != nil {
			return err
		}
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Vault.Find(a.Name) != nil {
		return usageErr(fmt.Errorf("account %q: %w", a.Name, vault.ErrDuplicateName), "choose another --name")
	}
	if !isOAuth {
		pw, err := e.accountPassword(*stdin)
		if err != nil {
			return err
		}
		a.Password = pw
	}
	if discovering {
		if err := e.proveAccount(a, *noCheck); err != nil {
			return err
		}
	}
	if err := f.Vault.Add(a, now); err != nil {
		return usageErr(err, "")
	}
	if err := e.saveMerged(f); err != nil {
		return err
	}
	kind := ""
	if isOAuth {
		kind = ", oauth2 " + a.OAuth.Provider
	}
	fmt.Fprintf(e.stdout, "added %s (%s@%s, %s%s%s)\n", line(a.Name), line(a.Username), line(a.Addr()), a.Security, line(kind), smtpSummary(a))
	if c := a.LastCheck; c == nil || c.Status != string(imapcheck.StatusOK) || c.SMTP != nil && c.SMTP.Status != string(smtpcheck.StatusOK) {
		fmt.Fprintf(e.stdout, "next: 'imapvault check %s' proves it logs in\n", line(shellQuote(a.Name)))
	}
	return nil
}

// accountPassword reads an account password from stdin or the terminal.
func (e *env) accountPassword(fromStdin bool) (string, error) {
	if fromStdin {
		pw, err := readLine(e.stdin)
		if err != nil {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		if pw == "" {
			return "", usageErr(errors.New("the password on standard input is empty"), "")
		}
		e.secrets = append(e.secrets, pw)
		if err := vault.CheckPassword(pw); err != nil {
			return "", usageErr(err, "nothing was changed")
		}
		return pw, nil
	}
	b, err := e.readSecret("Account password: ")
	if errors.Is(err, errNoTerminal) {
		return "", usageErr(errors.New("no terminal to ask for the account password"), "pipe it in with --password-stdin")
	}
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", usageErr(errors.New("the password is empty"), "")
	}
	e.secrets = append(e.secrets, string(b))
	if err := vault.CheckPassword(string(b)); err != nil {
		return "", usageErr(err, "nothing was changed")
	}
	return string(b), nil
}
