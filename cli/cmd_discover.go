package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/internal/termtext"
)

func init() {
	register(command{name: "discover", summary: "find an address's IMAP and SMTP servers (autoconfig, ISPDB, DNS)", run: runDiscover})
}

const discoverAbout = `
Finds the IMAP and SMTP servers of an e-mail address the way mail clients do
(draft-ietf-mailmaint-autoconfig), in this order of preference:
  1. https://autoconfig.DOMAIN/mail/config-v1.1.xml
  2. https://DOMAIN/.well-known/autoconfig/mail/config-v1.1.xml
  3. the ISPDB (https://v1.ispdb.net/DOMAIN; --ispdb or IMAPVAULT_ISPDB)
  4. 1 and 3 for the domain of the address's MX host
  5. SRV records (RFC 6186/8314: _imaps, _imap, _submissions, _submission)
  6. a built-in table of large providers (--offline uses only this)
What 4 and 5 find rests on DNS, which nothing authenticates: it is marked
"confirm", and 'add' saves it only after you said yes (or with --yes).
Nothing is fetched over plain HTTP and no server without TLS is proposed.

IMAPVAULT_RESOLVER=HOST:PORT sends every DNS question (MX, SRV, and the
addresses of the hosts fetched from) to that server. ` + discover.EnvTestHTTPSPort + `
is for tests only: it dials that port instead of 443.

Exit code 1 when nothing was found.`

// discoverFlags are the flags discover and add --address share.
type discoverFlags struct {
	offline, yes bool
	ispdb        string
	timeout      time.Duration
}

func addDiscoverFlags(fs *flag.FlagSet) *discoverFlags {
	f := &discoverFlags{}
	fs.BoolVar(&f.offline, "offline", false, "use only the built-in provider table: no network")
	fs.BoolVar(&f.yes, "yes", false, "accept servers found through DNS (MX, SRV) without asking")
	fs.StringVar(&f.ispdb, "ispdb", "", "the ISPDB's base `URL` (https; default IMAPVAULT_ISPDB, else "+discover.DefaultISPDB+")")
	fs.DurationVar(&f.timeout, "discover-timeout", discover.DefaultTimeout, "time limit of each discovery fetch or DNS lookup")
	return f
}

// options are the discovery's options from the environment and the flags.
func (f *discoverFlags) options(e *env) (discover.Options, error) {
	o, err := discover.OptionsFromEnv(e.getenv)
	if err != nil {
		return o, usageErr(err, "")
	}
	if f.ispdb != "" {
		if err := discover.CheckISPDB(f.ispdb); err != nil {
			return o, usageErr(fmt.Errorf("--ispdb: %w", err), "")
		}
		o.ISPDB = f.ispdb
	}
	if f.timeout <= 0 {
		return o, usageErr(errors.New("--discover-timeout must be positive"), "")
	}
	o.Offline, o.Timeout = f.offline, f.timeout
	if o.HTTPSPort != 0 {
		fmt.Fprintf(e.stderr, "imapvault: warning: %s=%d: https lookups dial port %d instead of 443 (a setting for tests)\n",
			discover.EnvTestHTTPSPort, o.HTTPSPort, o.HTTPSPort)
	}
	return o, nil
}

// discoverAddress runs one discovery, stopped by ^C.
func (e *env) discoverAddress(addr string, f *discoverFlags) (*discover.Result, error) {
	o, err := f.options(e)
	if err != nil {
		return nil, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := discover.Discover(ctx, addr, o)
	switch {
	case errors.Is(err, discover.ErrInvalidAddress):
		return nil, usageErr(err, "give the address itself, as name@domain")
	case errors.Is(err, discover.ErrNotFound):
		hint := "give the servers yourself: imapvault add --name N --host H --user U"
		if f.offline {
			hint = "run it without --offline to ask the network"
		}
		return nil, &cliError{code: exitFound, err: err, hint: hint}
	}
	return r, err
}

func runDiscover(e *env, args []string) error {
	fs := e.flags("discover", "discover ADDRESS [--json] [--offline] [--yes] [--ispdb URL] [--discover-timeout 8s]", discoverAbout)
	asJSON := fs.Bool("json", false, "print one JSON object: address, source, confirm, imap, smtp, username, auth, oauth, hint")
	df := addDiscoverFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr(errors.New("discover takes one address"), "imapvault discover fred@example.com")
	}
	r, err := e.discoverAddress(pos[0], df)
	if err != nil {
		return err
	}
	if *asJSON {
		return termtext.WriteJSON(e.stdout, discoverJSONOf(r))
	}
	printDiscovered(e.stdout, r, df.yes)
	return nil
}

// discoverJSON is discover --json: these keys exactly, never a secret
// (an autoconfig file's client secret is left out).
type discoverJSON struct {
	Address  string         `json:"address"`
	Source   string         `json:"source"`
	Confirm  bool           `json:"confirm"`
	IMAP     endpointJSON   `json:"imap"`
	SMTP     *endpointJSON  `json:"smtp"`
	Username string         `json:"username"`
	Auth     []string       `json:"auth"`
	OAuth    *discoverOAuth `json:"oauth"`
	Hint     string         `json:"hint"`
}

type endpointJSON struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Security string `json:"security"`
}

type discoverOAuth struct {
	Issuer   string   `json:"issuer"`
	AuthURL  string   `json:"auth_url"`
	TokenURL string   `json:"token_url"`
	Scopes   []string `json:"scopes"`
	ClientID string   `json:"client_id"`
}

func discoverJSONOf(r *discover.Result) discoverJSON {
	j := discoverJSON{Address: r.Address, Source: string(r.Source), Confirm: r.Confirm,
		IMAP:     endpointJSON{Host: r.IMAP.Host, Port: r.IMAP.Port, Security: string(r.IMAP.Security)},
		Username: r.IMAP.Username, Auth: []string{}, Hint: r.Hint}
	if s := r.SMTP; s != nil {
		j.SMTP = &endpointJSON{Host: s.Host, Port: s.Port, Security: string(s.Security)}
	}
	for _, a := range r.Auth {
		j.Auth = append(j.Auth, string(a))
	}
	if o := r.OAuth; o != nil {
		j.OAuth = &discoverOAuth{Issuer: o.Issuer, AuthURL: o.AuthURL, TokenURL: o.TokenURL, Scopes: o.Scopes, ClientID: o.ClientID}
		if j.OAuth.Scopes == nil {
			j.OAuth.Scopes = []string{}
		}
	}
	return j
}

// printDiscovered shows a result for people: every text from the network
// through the sanitizer, the servers' registrable domains in full.
func printDiscovered(w io.Writer, r *discover.Result, confirmed bool) {
	fmt.Fprintf(w, "%s: found by %s\n", line(r.Address), r.Source)
	fmt.Fprintf(w, "  from      %s\n", line(r.From))
	if r.Provider != "" {
		fmt.Fprintf(w, "  provider  %s\n", line(r.Provider))
	}
	fmt.Fprintf(w, "  imap      %s %s\n", line(r.IMAP.Addr()), r.IMAP.Security)
	if s := r.SMTP; s != nil {
		fmt.Fprintf(w, "  smtp      %s %s", line(s.Addr()), s.Security)
		if s.Username != r.IMAP.Username {
			fmt.Fprintf(w, " (login %s)", line(s.Username))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "  smtp      none found\n")
	}
	fmt.Fprintf(w, "  username  %s\n", line(r.IMAP.Username))
	auth := make([]string, len(r.Auth))
	for i, a := range r.Auth {
		auth[i] = string(a)
	}
	fmt.Fprintf(w, "  auth      %s\n", strings.Join(auth, ", "))
	if o := r.OAuth; o != nil {
		fmt.Fprintf(w, "  oauth2    %s (token %s)\n", line(o.AuthURL), line(o.TokenURL))
	}
	if r.Hint != "" {
		fmt.Fprintf(w, "  hint      %s\n", line(r.Hint))
	}
	if r.Confirm {
		state := "needs your yes before 'add' saves it (or --yes)"
		if confirmed {
			state = "accepted with --yes"
		}
		fmt.Fprintf(w, "  confirm   %s: %s\n", state, line(r.Why))
	}
	for _, a := range r.Tried {
		fmt.Fprintf(w, "  tried     %s\n", termtext.LineN(a.String(), 400))
	}
}
