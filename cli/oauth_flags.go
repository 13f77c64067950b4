package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

// oauthFlags are the OAuth2 settings of add and edit.
type oauthFlags struct {
	auth, provider, clientID, secretFile    string
	authURL, tokenURL, deviceURL, revokeURL string
	scope, issuer, tenant, identity         string
	refreshStdin                            bool
	flow                                    flowFlags
}

// flowFlags choose the login flow (add, oauth login).
type flowFlags struct {
	device, browser, copyCode bool
}

func addFlowFlags(fs *flag.FlagSet, f *flowFlags) {
	fs.BoolVar(&f.device, "device", false, "log in with the device flow: open a URL on any device and type a code (the default for Microsoft, and over ssh or without a display)")
	fs.BoolVar(&f.browser, "browser", false, "log in with a browser on this machine (authorization code with PKCE, loopback redirect)")
	fs.BoolVar(&f.copyCode, "copy-code", false, "copy the device flow's code to the clipboard through the terminal (OSC 52)")
}

func addOAuthFlags(fs *flag.FlagSet) *oauthFlags {
	f := &oauthFlags{}
	fs.StringVar(&f.auth, "auth", "", "credential `kind`: password (default) or oauth2")
	fs.StringVar(&f.provider, "provider", "", "OAuth2 `provider`: google, microsoft or custom")
	fs.StringVar(&f.clientID, "client-id", "", "OAuth2 client `id` you bring (your own registration, or a published one: see the README); none with --issuer: dynamic registration")
	fs.StringVar(&f.secretFile, "client-secret-file", "", "read the OAuth2 client secret from `FILE` (never from the command line)")
	fs.StringVar(&f.authURL, "auth-url", "", "authorization endpoint `URL` (custom provider)")
	fs.StringVar(&f.tokenURL, "token-url", "", "token endpoint `URL` (custom provider)")
	fs.StringVar(&f.deviceURL, "device-url", "", "device authorization endpoint `URL` (custom provider)")
	fs.StringVar(&f.revokeURL, "revoke-url", "", "token revocation endpoint `URL` (RFC 7009; optional)")
	fs.StringVar(&f.scope, "scope", "", "OAuth2 `scopes`, space- or comma-separated (default: the provider's)")
	fs.StringVar(&f.issuer, "issuer", "", "authorization server `URL` (custom provider): its endpoints come from its RFC 8414 / OpenID metadata, and without --client-id imapvault registers itself there (RFC 7591)")
	fs.StringVar(&f.tenant, "tenant", "", "Microsoft `tenant`: consumers (personal accounts), organizations (work and school), or a tenant id or domain (default: common)")
	fs.StringVar(&f.identity, "oauth-identity", "", "who authorises, when it is not --user: a delegate's `address` for a shared mailbox ('-' clears it)")
	fs.BoolVar(&f.refreshStdin, "refresh-token-stdin", false, "read an existing OAuth2 refresh token from the first line of standard input instead of logging in")
	addFlowFlags(fs, &f.flow)
	return f
}

// oauth2 reports whether the flags ask for an OAuth2 account.
func (f *oauthFlags) oauth2() (bool, error) {
	switch f.auth {
	case "", "password":
		return false, nil
	case vault.AuthOAuth2:
		return true, nil
	}
	return false, usageErr(fmt.Errorf("--auth %q: want password or oauth2", f.auth), "")
}

// settings builds the account's OAuth2 settings over base (nil: none yet).
func (f *oauthFlags) settings(base *vault.OAuth) (*vault.OAuth, error) {
	o := &vault.OAuth{}
	if base != nil {
		*o = *base
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	if f.provider != "" && f.provider != o.Provider {
		// Another provider: its preset endpoints, not the old ones, and
		// no client id registered at the old one's issuer.
		o.AuthURL, o.TokenURL, o.DeviceURL, o.RevokeURL, o.Scopes = "", "", "", "", nil
		o.Issuer, o.UserinfoURL = "", ""
		if o.Registered {
			o.ClientID, o.Registered = "", false
		}
		o.Provider = f.provider
	}
	if o.Provider == "" {
		return nil, usageErr(errors.New("--auth oauth2 needs --provider google, microsoft or custom"), "")
	}
	if f.clientID != "" {
		o.ClientID, o.Registered = f.clientID, false
	}
	if f.issuer != "" {
		iss, err := oauth.IssuerURL(f.issuer)
		if err != nil {
			return nil, usageErr(fmt.Errorf("--issuer: %w", err), "give the authorization server's https URL, e.g. https://login.example.org")
		}
		if o.Provider != oauth.Custom {
			return nil, usageErr(errors.New("--issuer is for --provider custom"), "google and microsoft have their endpoints built in")
		}
		if iss != o.Issuer {
			// Another server: its own endpoints and client.
			o.AuthURL, o.TokenURL, o.DeviceURL, o.RevokeURL, o.UserinfoURL = "", "", "", "", ""
			if o.Registered {
				o.ClientID, o.Registered = "", false
			}
		}
		o.Issuer = iss
	}
	if f.identity != "" {
		o.Identity = f.identity
		if f.identity == "-" {
			o.Identity = ""
		}
	}
	set(&o.AuthURL, f.authURL)
	set(&o.TokenURL, f.tokenURL)
	set(&o.DeviceURL, f.deviceURL)
	set(&o.RevokeURL, f.revokeURL)
	if f.scope != "" {
		o.Scopes = oauth.SplitScopes(f.scope)
	}
	if f.secretFile != "" {
		b, err := os.ReadFile(f.secretFile)
		if err != nil {
			return nil, fmt.Errorf("read client secret file: %w", err)
		}
		o.ClientSecret = strings.TrimSpace(string(b))
	}
	if f.tenant != "" {
		if err := oauth.SetTenant(o, f.tenant); err != nil {
			return nil, usageErr(err, "")
		}
	}
	if err := oauth.Apply(o); err != nil {
		return nil, usageErr(err, "run 'imapvault add --help'")
	}
	return o, nil
}

// resolveOAuth completes o from its issuer's metadata (network; before
// any vault lock) and says whose a published client id is.
func (e *env) resolveOAuth(name string, o *vault.OAuth) error {
	ctx, cancel := context.WithTimeout(context.Background(), oauth.HTTPTimeout)
	defer cancel()
	if err := oauth.Resolve(ctx, o); err != nil {
		return withHint(fmt.Errorf("OAuth2 issuer of %s: %w", name, err), "check --issuer, or name the endpoints with --auth-url and --token-url")
	}
	e.namePublicClient(name, o)
	return nil
}

// namePublicClient says so out loud when the client id is another
// program's published one.
func (e *env) namePublicClient(name string, o *vault.OAuth) {
	pc, ok := oauth.PublicClients[o.ClientID]
	if !ok {
		return
	}
	fmt.Fprintf(e.stderr, "imapvault: note: client id %s is %s's, %s; it may stop working whenever its owner changes it. To use your own: 'imapvault edit %s --client-id ID', then 'imapvault oauth login %s'\n",
		termtext.Line(o.ClientID), pc.Owner, pc.Note, termtext.Line(shellQuote(name)), termtext.Line(shellQuote(name)))
}

// loginFlow runs the OAuth2 login of the account a (its OAuth settings
// o, a copy the caller keeps or drops) and puts the tokens into o: the
// endpoints completed from the issuer, a client registered there when o
// has none, the flow ChooseFlow picks, and a check that the consent came
// from the account's user. The URL (and code) go to stderr; with a
// display, the browser opens by itself.
func (e *env) loginFlow(a *vault.Account, o *vault.OAuth, fl flowFlags) error {
	name := a.Name
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	fail := func(err error) error {
		return withHint(fmt.Errorf("OAuth2 login for %s: %w", name, err), oauth.Hint(err, name))
	}
	rctx, rcancel := context.WithTimeout(ctx, oauth.HTTPTimeout)
	err := oauth.Resolve(rctx, o)
	rcancel()
	if err != nil {
		return fail(err)
	}
	device, note, err := oauth.ChooseFlow(o, fl.device, fl.browser, e.getenv)
	if err != nil {
		return usageErr(err, "")
	}
	if note != "" {
		fmt.Fprintf(e.stderr, "imapvault: note: %s\n", note)
	}
	opts := oauth.LoginOptions{Device: device, Show: func(f oauth.Flow) { e.showFlow(name, f, fl.copyCode) }}
	if !device {
		opts.Open = oauth.OpenBrowser
	}
	res, err := oauth.Authorise(ctx, o, []string{a.Username, a.Address}, opts)
	if err != nil {
		return fail(err)
	}
	tok := res.Token
	if res.Registered {
		fmt.Fprintf(e.stderr, "registered imapvault as a public client at %s (client id %s); it is kept with the account and reused\n",
			termtext.Line(o.Issuer), termtext.Line(o.ClientID))
	}
	if res.Consent != nil {
		fmt.Fprintf(e.stderr, "authorised by %s\n", termtext.Line(res.Consent.String()))
	} else {
		fmt.Fprintf(e.stderr, "imapvault: warning: the provider did not say who authorised; make sure it was %s\n", termtext.Line(a.Username))
	}
	if tok.RefreshToken == "" {
		return fmt.Errorf("OAuth2 login for %s: the provider sent no refresh token (does the scope include offline access?)", name)
	}
	oauth.Absorb(o, tok, time.Now())
	return nil
}

// showFlow tells the person what to do. The code is last on its line
// (scripts and tests read it there).
func (e *env) showFlow(name string, f oauth.Flow, copyCode bool) {
	if f.Device {
		fmt.Fprintf(e.stderr, "To authorise %s, open %s on any device and enter the code %s\n",
			termtext.Line(name), termtext.LineN(f.URL, 2048), termtext.Line(f.UserCode))
		if !f.Expires.IsZero() {
			fmt.Fprintf(e.stderr, "the code is valid until %s\n", f.Expires.Local().Format("15:04:05"))
		}
		if copyCode {
			e.copyToClipboard(f.UserCode)
		}
	} else {
		fmt.Fprintf(e.stderr, "To authorise %s, open this URL in a browser:\n%s\n", termtext.Line(name), termtext.LineN(f.URL, 4096))
		if e.getenv("SSH_CONNECTION") != "" && f.Port != 0 {
			fmt.Fprintf(e.stderr, "the browser must reach 127.0.0.1:%d on this machine: from yours, run 'ssh -L %d:127.0.0.1:%d THIS-HOST' first (or use --device where the provider has it)\n", f.Port, f.Port, f.Port)
		}
	}
	fmt.Fprintln(e.stderr, "waiting for the authorisation...")
}

// copyToClipboard hands text to the terminal's clipboard with OSC 52. The
// text is base64 inside the sequence, so a server's code cannot end it
// early; nothing is written when stderr is no terminal.
func (e *env) copyToClipboard(text string) {
	if !e.stderrIsTerminal() {
		fmt.Fprintln(e.stderr, "imapvault: note: --copy-code needs a terminal on stderr; type the code instead")
		return
	}
	fmt.Fprintf(e.stderr, "\x1b]52;c;%s\a", base64.StdEncoding.EncodeToString([]byte(text)))
	fmt.Fprintln(e.stderr, "the code is on the clipboard, if your terminal allows OSC 52")
}

// refreshTokenFromStdin reads a refresh token someone already holds.
func (e *env) refreshTokenFromStdin(o *vault.OAuth) error {
	rt, err := readLine(e.stdin)
	if err != nil {
		return fmt.Errorf("read refresh token from standard input: %w", err)
	}
	if rt = strings.TrimSpace(rt); rt == "" {
		return usageErr(errors.New("the refresh token on standard input is empty"), "")
	}
	o.RefreshToken, o.AccessToken, o.Expiry = rt, "", time.Time{}
	o.Refreshed = time.Now()
	return nil
}
