package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "edit", summary: "change an account's fields, or record a password changed elsewhere", run: runEdit})
	register(command{name: "remove", summary: "delete an account (its passwords go with it)", run: runRemove})
}

func runEdit(e *env, args []string) error {
	fs := e.flags("edit", "edit NAME [--host H] [--port P] [--security S] [--user U] [--password-stdin] [--hook CMD] [--recipe-setting NAME=VALUE] [--notes TEXT] [--rename NEW] [--max-age DAYS]\n       [--address ADDR|-] [--smtp-host H|-] [--smtp-port P] [--smtp-security S] [--smtp-user U|-] [--ca-file FILE|-]\n       [--auth oauth2|password] [--provider P] [--client-id ID] [--client-secret-file F] [--auth-url U] [--token-url U] [--device-url U] [--scope S] [--issuer URL] [--tenant T] [--oauth-identity ADDR] [--refresh-token-stdin]", `
Changes the named fields of one account and leaves the others alone.

--password-stdin records a password that was changed somewhere else (at the
provider's web page, say); the old one is kept in the account's history.
To change the password at the provider and verify it, use 'imapvault rotate'.

--hook-env NAME (repeatable) replaces the names of the environment variables
the account's hooks get beyond the allow-list; --hook-env - clears them.

`+recipeSettingHelp+` NAME= removes one,
--recipe-setting - all; a new --hook keeps only the settings it reads.

--auth oauth2 switches the account to OAuth2 (Microsoft turned password IMAP
off): give --provider and --client-id, then run 'imapvault oauth login NAME'
(or pass an existing refresh token with --refresh-token-stdin).

`+smtpHelp+` --smtp-host - removes the SMTP endpoint.

`+caHelp+` --ca-file - removes it.`)
	host := fs.String("host", "", "IMAP server `host`")
	port := fs.Int("port", 0, "server `port`")
	sec := fs.String("security", "", "`mode`: tls, starttls or insecure")
	user := fs.String("user", "", "login `username`")
	stdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	hook := fs.String("hook", "", "rotation `command` or recipe:NAME stored with the account (\"-\" removes it)")
	after := fs.String("after", "", "`command` run after each committed rotation (\"-\" removes it)")
	source := fs.String("password-source", "", "who makes new passwords: 'provider' or 'generated'")
	notes := fs.String("notes", "", "free-form `notes` (\"-\" clears them)")
	rename := fs.String("rename", "", "new account `name`")
	var hookEnv envNames
	fs.Var(&hookEnv, "hook-env", "environment variable `NAME` the account's hooks get (repeatable; replaces the list; - clears it)")
	var recipeSettings recipeSettingFlags
	fs.Var(&recipeSettings, "recipe-setting", "`NAME=VALUE` setting of the recipe:NAME hook to store (repeatable; NAME= removes one, - all)")
	maxAge := fs.Int("max-age", -1, "this account's maximum password age in `days` (0: the vault's)")
	of := addOAuthFlags(fs)
	sf := addSMTPFlags(fs, true)
	caFile := addCAFlag(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(errors.New("edit takes one account name"), "imapvault edit NAME --host NEW-HOST")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["hook"] && strings.TrimSpace(*hook) != "-" {
		if err := checkRecipeHook(*hook); err != nil {
			return err
		}
	}
	if len(set) == 0 {
		return usageErr(errors.New("nothing to change"), "run 'imapvault edit --help' for the fields")
	}
	toOAuth, err := of.oauth2()
	if err != nil {
		return err
	}
	if set["device"] || set["browser"] || set["copy-code"] {
		return usageErr(errors.New("edit does not log in"), "run 'imapvault oauth login "+pos[0]+"' after the edit")
	}
	if *stdin && of.refreshStdin {
		return usageErr(errors.New("--password-stdin and --refresh-token-stdin both want standard input"), "")
	}
	var refresh vault.OAuth
	if of.refreshStdin {
		if err := e.refreshTokenFromStdin(&refresh); err != nil {
			return err
		}
	}
	var caPath string
	if set["ca-file"] {
		if caPath, err = caFilePath(*caFile, true); err != nil {
			return err
		}
	}
	var password string
	if *stdin {
		if password, err = e.accountPassword(true); err != nil {
			return err
		}
	}
	now := time.Now()
	var dropped []string // recipe settings the new hook does not read
	a, err := e.editAccount(pos[0], func(v *vault.Vault, a *vault.Account) error {
		c := *a // validate a copy, so a bad value changes nothing
		if set["host"] {
			c.Host = *host
		}
		if set["port"] {
			c.Port = *port
		}
		if set["security"] {
			c.Security = vault.Security(*sec)
			if !set["port"] && a.Port == a.Security.DefaultPort() {
				c.Port = 0 // follows the new security's default
			}
		}
		if set["user"] {
			c.Username = *user
		}
		if set["hook"] {
			c.Hook = strings.TrimSpace(*hook)
			if c.Hook == "-" {
				c.Hook = ""
			}
		}
		if set["after"] {
			c.After = strings.TrimSpace(*after)
			if c.After == "-" {
				c.After = ""
			}
		}
		if set["password-source"] {
			c.Policy = clonePolicy(a.Policy)
			if err := setPasswordSource(&c, *source); err != nil {
				return err
			}
		}
		if set["notes"] {
			c.Notes = *notes
			if c.Notes == "-" {
				c.Notes = ""
			}
		}
		if set["hook-env"] {
			c.HookEnv, _ = hookEnv.names()
		}
		d, err := recipeSettings.apply(&c, set["hook"] && c.Hook != a.Hook)
		if err != nil {
			return err
		}
		dropped = d
		if set["max-age"] {
			if *maxAge < 0 {
				return usageErr(errors.New("--max-age takes a number of days"), "")
			}
			c.MaxAgeDays = *maxAge
		}
		if set["rename"] {
			c.Name = strings.TrimSpace(*rename)
		}
		if set["ca-file"] {
			c.CAFile = caPath
		}
		if err := sf.apply(set, &c, true); err != nil {
			return err
		}
		if set["auth"] && !toOAuth {
			// Back to a password. The OAuth2 settings and refresh token
			// stay (unused) so a switch back loses nothing.
			c.Auth = vault.AuthPassword
		}
		if oauthSet(set) && (toOAuth || (!set["auth"] && a.IsOAuth2())) {
			o, err := of.settings(a.OAuth)
			if err != nil {
				return err
			}
			c.Auth, c.OAuth = vault.AuthOAuth2, o
			if of.refreshStdin {
				c.OAuth.RefreshToken, c.OAuth.AccessToken, c.OAuth.Expiry, c.OAuth.Refreshed = refresh.RefreshToken, "", refresh.Expiry, refresh.Refreshed
			}
		}
		// The stored password is not being entered: one saved before
		// control characters were refused must not block other edits.
		stored := c.Password
		c.Password = ""
		if *stdin {
			c.Password = password
		}
		err = vault.Validate(&c)
		c.Password = stored
		if err != nil {
			return usageErr(err, "")
		}
		if other := v.Find(c.Name); other != nil && other.ID != a.ID {
			return usageErr(fmt.Errorf("account %q: %w", c.Name, vault.ErrDuplicateName), "choose another --rename")
		}
		*a = c
		if *stdin {
			a.SetPassword(password, now)
		}
		a.Modified = now
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "updated %s (%s@%s, %s%s)\n", line(a.Name), line(a.Username), line(a.Addr()), a.Security, smtpSummary(a))
	if len(dropped) > 0 {
		fmt.Fprintf(e.stderr, "imapvault: warning: removed the recipe settings the new hook does not read: %s\n", strings.Join(dropped, ", "))
	}
	if a.IsOAuth2() && a.OAuth != nil && a.OAuth.RefreshToken == "" {
		fmt.Fprintf(e.stdout, "next: 'imapvault oauth login %s' authorises it\n", line(shellQuote(a.Name)))
	}
	return nil
}

// oauthSet reports whether any OAuth2 flag was given to edit.
func oauthSet(set map[string]bool) bool {
	for _, n := range []string{"auth", "provider", "client-id", "client-secret-file", "auth-url", "token-url", "device-url", "revoke-url", "scope", "refresh-token-stdin", "issuer", "tenant", "oauth-identity"} {
		if set[n] {
			return true
		}
	}
	return false
}

func runRemove(e *env, args []string) error {
	fs := e.flags("remove", "remove NAME --yes", `
Deletes one account and every password it holds, current, pending and
retired. The last encrypted backups beside the vault still have it.`)
	yes := fs.Bool("yes", false, "really delete (required, so a slip cannot delete)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(errors.New("remove takes one account name"), "imapvault remove NAME --yes")
	}
	if !*yes {
		return usageErr(fmt.Errorf("not removing %q without --yes", pos[0]), "imapvault remove "+pos[0]+" --yes")
	}
	f, err := e.openLocked()
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := findAccount(f.Vault, pos[0])
	if err != nil {
		return err
	}
	f.Vault.Remove(a.ID)
	if err := e.saveMerged(f); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed %s\n", line(a.Name))
	return nil
}
