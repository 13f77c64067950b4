package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/posture"
	"github.com/imapvault/imapvault/smtpcheck"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "check", summary: "log in to each account's server to prove the password works", run: runCheck})
}

// checkItem is one result in `check --json`: no password, ever.
type checkItem struct {
	Name      string     `json:"name"`
	Status    string     `json:"status"`
	Error     string     `json:"error"`
	LatencyMS int64      `json:"latency_ms"`
	TLS       *checkTLS  `json:"tls,omitempty"`
	SMTP      *checkSMTP `json:"smtp,omitempty"` // when the account has an SMTP endpoint
	// Posture is set with --posture: [] when nothing was found.
	Posture *[]postureItem `json:"posture,omitempty"`
}

// checkSMTP is the SMTP side of a `check --json` entry.
type checkSMTP struct {
	Status    string    `json:"status"`
	Error     string    `json:"error"`
	LatencyMS int64     `json:"latency_ms"`
	TLS       *checkTLS `json:"tls,omitempty"`
	// Posture is set with --posture: [] when nothing was found.
	Posture *[]postureItem `json:"posture,omitempty"`
}

type checkTLS struct {
	Version  string    `json:"version"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
}

func runCheck(e *env, args []string) error {
	if nagiosWanted(args) {
		// A monitoring system reads any trouble of ours as UNKNOWN (3).
		return nagiosUnknownErr(e, runCheckWith(e, args))
	}
	return runCheckWith(e, args)
}

// checkFlags are check's options after parsing.
type checkFlags struct {
	json, nagios, failed bool
	posture              bool
	warnDays, critDays   int
	prometheus           string
	pool                 imapcheck.Pool
}

func runCheckWith(e *env, args []string) error {
	fs := e.flags("check", "check [--json | --nagios [--warn-days 21] [--crit-days 7]] [--prometheus FILE] [--failed]\n       [--posture] [--concurrency N] [--per-host N] [--timeout 10s] [NAME...]", `
Logs in to the IMAP server of each named account (all accounts when none is
named) with the stored password, then logs out. Nothing is read or changed
in the mailbox. An account with an SMTP server (--smtp-host) is proven there
too, with the same credential: AUTH, then MAIL FROM and RCPT TO its address,
RSET and QUIT; no message is ever sent. TLS certificates are verified; extra
trusted roots come from SSL_CERT_FILE / SSL_CERT_DIR.

Each result is kept as the account's last check. The exit code is 1 when any
account did not log in, on either side.

--nagios prints one status line and one line per problem, as the Nagios
plugin guidelines ask, and exits 0 OK, 1 WARNING (a certificate expires
within --warn-days), 2 CRITICAL (a login failed, or a certificate expires
within --crit-days) or 3 UNKNOWN (the vault can't be opened, bad usage).

--posture also probes how each endpoint (IMAP, and SMTP when set) protects
the credential on its way: cleartext_auth, old_tls, weak_cipher,
starttls_injection, starttls_only, cert_hostname, cert_chain, cert_key,
cert_expiring, basic_auth_sunset. It sends no password: it reads what the
server offers, completes TLS handshakes and says goodbye, a few
connections per server however many accounts share it. The findings are
kept with the last check (audit shows them); any finding makes the exit
code 1.

--prometheus FILE writes the results for node_exporter's textfile collector
(write it into the collector's folder, named *.prom). The file is replaced
atomically and readable by others (0644): it holds account names, hosts,
statuses and times, never a password.`)
	var o checkFlags
	fs.BoolVar(&o.json, "json", false, "print a JSON array: name, status, error, latency_ms, tls, smtp")
	fs.BoolVar(&o.nagios, "nagios", false, "print a Nagios/Icinga plugin status and exit 0/1/2/3")
	fs.IntVar(&o.warnDays, "warn-days", 21, "with --nagios: WARNING when a certificate expires within `days`")
	fs.IntVar(&o.critDays, "crit-days", 7, "with --nagios: CRITICAL when a certificate expires within `days`")
	fs.StringVar(&o.prometheus, "prometheus", "", "also write Prometheus metrics to `FILE` (node_exporter textfile format)")
	fs.BoolVar(&o.failed, "failed", false, "check only the accounts whose last check failed")
	fs.BoolVar(&o.posture, "posture", false, "also probe each endpoint's TLS, STARTTLS and certificate (sends no password)")
	fs.IntVar(&o.pool.Concurrency, "concurrency", 8, "checks at once")
	fs.IntVar(&o.pool.PerHost, "per-host", 4, "checks at once against one server (providers ban busy addresses)")
	fs.DurationVar(&o.pool.Timeout, "timeout", 10*time.Second, "time limit of one check")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	start := time.Now()
	// Load the trusted roots while the vault opens, not in the first
	// handshake, where every check of the first wave would wait for it.
	go x509.SystemCertPool()
	id, err := e.identity()
	if err != nil {
		return err
	}
	f, err := e.seen(vault.Open(e.vaultPath, id))
	if err != nil {
		return err
	}
	e.announce(f)
	accts, err := selectAccounts(f.Vault, names)
	if err != nil {
		return err
	}
	if o.failed {
		accts = lastFailed(accts)
	}
	if len(accts) == 0 {
		return noAccounts(e, o, len(f.Vault.Accounts))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	live := !o.json && !o.nagios
	o.pool.Prepare = e.freshTokens(accts, id)
	results := runChecks(ctx, e, accts, o.pool, live)
	var post []posture.AccountResult
	if o.posture {
		post = runPosture(ctx, accts, o)
	}
	if o.json {
		if err := writeCheckJSON(e.stdout, results, post); err != nil {
			return err
		}
	}
	records := map[string]*vault.Check{}
	failed := 0
	interrupted := ctx.Err() != nil
	for i, r := range results {
		if !r.OK() {
			failed++
		}
		if interrupted && r.IMAP.Status == imapcheck.StatusTimeout {
			continue // cut short by Ctrl-C: says nothing about the account, the last check stays
		}
		records[accts[i].ID] = lastcheck.RecordBoth(r)
		if post != nil {
			records[accts[i].ID].Posture = post[i].Posture // nil: the last one is kept
		}
	}
	// A rotation holds the lock while it verifies (up to its
	// --verify-timeout, 30 s by default): wait for it rather than lose
	// the results.
	stale, saveErr := lastcheck.StoreFresh(e.vaultPath, id, records, time.Minute)
	e.sayStale(accts, stale)
	if o.prometheus != "" {
		// The metrics describe the vault as it is after this check.
		for _, a := range accts {
			a.LastCheck = records[a.ID]
		}
		if err := writePrometheus(o.prometheus, f.Vault, time.Now()); err != nil {
			return errors.Join(err, saveErr)
		}
	}
	if o.nagios {
		return writeNagios(e.stdout, nagiosInput{accts: accts, results: results, warnDays: o.warnDays,
			critDays: o.critDays, elapsed: time.Since(start), saveErr: saveErr, posture: post})
	}
	if saveErr != nil {
		return saveErr
	}
	if live && !interrupted {
		fmt.Fprintf(e.stdout, "\n%d checked, %d ok, %d failed\n", len(results), len(results)-failed, failed)
		if o.posture {
			writePostureText(e.stdout, accts, post)
		}
	}
	if interrupted {
		return &cliError{code: exitFound, err: errors.New("interrupted: the checks cut short were not recorded"),
			hint: "each account keeps its previous last check; run 'imapvault check' again to finish"}
	}
	if failed > 0 || postureCount(post) > 0 {
		return errFound
	}
	return nil
}

func (o checkFlags) validate() error {
	switch {
	case o.pool.Concurrency < 1 || o.pool.PerHost < 1 || o.pool.Timeout <= 0:
		return usageErr(fmt.Errorf("--concurrency, --per-host and --timeout must be positive"), "")
	case o.json && o.nagios:
		return usageErr(fmt.Errorf("--json and --nagios both want standard output; pick one"), "")
	case o.warnDays < 0 || o.critDays < 0 || o.critDays > o.warnDays:
		return usageErr(fmt.Errorf("--warn-days %d and --crit-days %d: want 0 <= crit-days <= warn-days", o.warnDays, o.critDays), "")
	}
	return nil
}

// noAccounts ends a check that found nothing to do.
func noAccounts(e *env, o checkFlags, total int) error {
	switch {
	case o.nagios && o.failed && total > 0:
		fmt.Fprintf(e.stdout, "IMAPVAULT OK - no account failed its last check | ok=0;;;0;0 failed=0;;;0;0\n")
		return nil
	case o.nagios:
		return fmt.Errorf("the vault holds no accounts to check")
	case o.failed && total > 0:
		fmt.Fprintln(e.stderr, "imapvault: no account failed its last check")
	default:
		fmt.Fprintln(e.stderr, "imapvault: no accounts to check: add one with 'imapvault add'")
	}
	return nil
}

// lastFailed keeps the accounts whose last check did not log in (or did
// not pass SMTP).
func lastFailed(accts []*vault.Account) []*vault.Account {
	var out []*vault.Account
	for _, a := range accts {
		if c := a.LastCheck; c != nil && (c.Status != string(imapcheck.StatusOK) || c.SMTP != nil && c.SMTP.Status != string(smtpcheck.StatusOK)) {
			out = append(out, a)
		}
	}
	return out
}

// selectAccounts picks the named accounts, or all of them sorted by name.
func selectAccounts(v *vault.Vault, names []string) ([]*vault.Account, error) {
	if len(names) == 0 {
		accts := append([]*vault.Account(nil), v.Accounts...)
		sort.Slice(accts, func(i, j int) bool { return strings.ToLower(accts[i].Name) < strings.ToLower(accts[j].Name) })
		return accts, nil
	}
	var out []*vault.Account
	for _, n := range names {
		a, err := findAccount(v, n)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// runChecks checks the accounts in a pool and, when live is set, prints each
// result as it arrives. Results come back in the order of accts.
func runChecks(ctx context.Context, e *env, accts []*vault.Account, pool imapcheck.Pool, live bool) []lastcheck.Both {
	width := 6 // "  smtp"
	for _, a := range accts {
		width = max(width, utf8.RuneCountInString(lineN(a.Name, nameCap)))
	}
	if live {
		fmt.Fprintf(e.stdout, "%-*s  %-16s %8s  %-9s %s\n", width, "NAME", "STATUS", "LATENCY", "CERT", "SERVER SAYS")
	}
	for _, a := range accts {
		if a.CAFile == "" {
			continue
		}
		if _, err := lastcheck.TLSConfig(a, tlsConfig()); err != nil {
			fmt.Fprintf(e.stderr, "imapvault: warning: %s: its servers are checked without it (fix the file, or 'imapvault edit %s --ca-file FILE')\n",
				line(err.Error()), line(shellQuote(a.Name)))
		}
	}
	results := make([]lastcheck.Both, len(accts))
	progress := !live && e.stderrIsTerminal() // --json: say how far it got, on stderr
	done := 0
	for it := range lastcheck.Run(ctx, pool, accts, tlsConfig()) {
		a := accts[it.Index]
		oauth.ExplainRefusal(a, &it.Result.IMAP)
		redactResult(&it.Result.IMAP, a.Secrets())
		if it.Result.SMTP != nil {
			redactSMTPResult(it.Result.SMTP, a.Secrets())
		}
		results[it.Index] = it.Result
		done++
		if live {
			writeCheckLine(e.stdout, width, it.Result.IMAP)
			if r := it.Result.SMTP; r != nil {
				writeSMTPLine(e.stdout, width, *r)
			}
		}
		if progress {
			fmt.Fprintf(e.stderr, "\rchecked %d of %d", done, len(accts))
		}
	}
	if progress {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	return results
}

// tlsConfig is nil, so checks use the system roots, which Go builds from
// SSL_CERT_FILE / SSL_CERT_DIR when they are set.
func tlsConfig() *tls.Config { return nil }

func writeCheckLine(w io.Writer, width int, r imapcheck.Result) {
	cert := "-"
	if r.TLS != nil && !r.TLS.NotAfter.IsZero() {
		cert = fmt.Sprintf("%dd", r.TLS.DaysLeft)
	}
	says := r.Message
	if r.Alert != "" && r.Alert != says {
		says = strings.TrimSpace(says + " [ALERT] " + r.Alert)
	}
	if r.OK() {
		says = ""
	}
	// The name and the server's words are untrusted: a greeting, NO text,
	// [ALERT] or certificate name can carry terminal escapes.
	fmt.Fprintf(w, "%-*s  %-16s %6dms  %-9s %s\n", width, lineN(r.Name, nameCap), statusWord(r.Status), r.Timings.Total.Milliseconds(), cert, line(says))
}

func statusWord(s imapcheck.Status) string {
	if s == imapcheck.StatusOK {
		return "ok"
	}
	return "FAIL " + string(s)
}

func writeCheckJSON(w io.Writer, results []lastcheck.Both, post []posture.AccountResult) error {
	items := make([]checkItem, 0, len(results))
	for _, b := range results {
		r := b.IMAP
		it := checkItem{Name: r.Name, Status: string(r.Status), LatencyMS: r.Timings.Total.Milliseconds()}
		if !r.OK() {
			it.Error = r.Message
		}
		if r.TLS != nil && r.TLS.Version != "" {
			it.TLS = &checkTLS{Version: r.TLS.Version, NotAfter: r.TLS.NotAfter, DaysLeft: r.TLS.DaysLeft}
		}
		if s := b.SMTP; s != nil {
			it.SMTP = &checkSMTP{Status: string(s.Status), LatencyMS: s.Timings.Total.Milliseconds()}
			if !s.OK() {
				it.SMTP.Error = s.Message
			}
			if s.TLS != nil && s.TLS.Version != "" {
				it.SMTP.TLS = &checkTLS{Version: s.TLS.Version, NotAfter: s.TLS.NotAfter, DaysLeft: s.TLS.DaysLeft}
			}
		}
		it.Posture = postureJSON(post, len(items))
		items = append(items, it)
	}
	return termtext.WriteJSONArray(w, items) // exact text, C1 and bidi escaped too; streamed
}
