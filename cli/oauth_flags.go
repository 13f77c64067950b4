package cli

import (
	"context"
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
	scope                                   string
	refreshStdin, device                    bool
}

func addOAuthFlags(fs *flag.FlagSet) *oauthFlags {
	f := &oauthFlags{}
	fs.StringVar(&f.auth, "auth", "", "credential `kind`: password (default) or oauth2")
	fs.StringVar(&f.provider, "provider", "", "OAuth2 `provider`: google, microsoft or custom")
	fs.StringVar(&f.clientID, "client-id", "", "OAuth2 client `id` (register your own; see the README)")
	fs.StringVar(&f.secretFile, "client-secret-file", "", "read the OAuth2 client secret from `FILE` (never from the command line)")
	fs.StringVar(&f.authURL, "auth-url", "", "authorization endpoint `URL` (custom provider)")
	fs.StringVar(&f.tokenURL, "token-url", "", "token endpoint `URL` (custom provider)")
	fs.StringVar(&f.deviceURL, "device-url", "", "device authorization endpoint `URL` (custom provider)")
	fs.StringVar(&f.revokeURL, "revoke-url", "", "token revocation endpoint `URL` (RFC 7009; optional)")
	fs.StringVar(&f.scope, "scope", "", "OAuth2 `scopes`, space- or comma-separated (default: the provider's)")
	fs.BoolVar(&f.refreshStdin, "refresh-token-stdin", false, "read an existing OAuth2 refresh token from the first line of standard input instead of logging in")
	fs.BoolVar(&f.device, "device", false, "log in with the device flow (a code typed on any device) instead of a local browser")
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
		// Another provider: its preset endpoints, not the old ones.
		o.AuthURL, o.TokenURL, o.DeviceURL, o.RevokeURL, o.Scopes = "", "", "", "", nil
		o.Provider = f.provider
	}
	if o.Provider == "" {
		return nil, usageErr(errors.New("--auth oauth2 needs --provider google, microsoft or custom"), "")
	}
	set(&o.ClientID, f.clientID)
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
	if err := oauth.Apply(o); err != nil {
		return nil, usageErr(err, "run 'imapvault add --help'")
	}
	return o, nil
}

// loginFlow runs the OAuth2 login for the account called name and puts the
// tokens into o. The URL (and code) go to stderr; with a display, the
// browser opens by itself.
func (e *env) loginFlow(name string, o *vault.OAuth, device bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	opts := oauth.LoginOptions{Device: device, Show: func(f oauth.Flow) {
		if f.Device {
			fmt.Fprintf(e.stderr, "To authorise %s, open %s on any device and enter the code %s\n",
				termtext.Line(name), termtext.LineN(f.URL, 2048), termtext.Line(f.UserCode))
		} else {
			fmt.Fprintf(e.stderr, "To authorise %s, open this URL in a browser:\n%s\n", termtext.Line(name), termtext.LineN(f.URL, 4096))
		}
		fmt.Fprintln(e.stderr, "waiting for the authorisation...")
	}}
	if !device {
		opts.Open = oauth.OpenBrowser
	}
	tok, err := oauth.Login(ctx, o, opts)
	if err != nil {
		return fmt.Errorf("OAuth2 login for %s: %w", name, err)
	}
	if tok.RefreshToken == "" {
		return fmt.Errorf("OAuth2 login for %s: the provider sent no refresh token (does the scope include offline access?)", name)
	}
	oauth.Absorb(o, tok, time.Now())
	return nil
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
