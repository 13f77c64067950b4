package cli

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

func init() {
	register(command{name: "check", summary: "log in to each account's server to prove the password works", run: runCheck})
}

// checkItem is one result in `check --json`: no password, ever.
type checkItem struct {
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	Error     string    `json:"error"`
	LatencyMS int64     `json:"latency_ms"`
	TLS       *checkTLS `json:"tls,omitempty"`
}

type checkTLS struct {
	Version  string    `json:"version"`
	NotAfter time.Time `json:"not_after"`
	DaysLeft int       `json:"days_left"`
}

func runCheck(e *env, args []string) error {
	fs := e.flags("check", "check [--json] [--concurrency N] [--per-host N] [--timeout 10s] [NAME...]", `
Logs in to the IMAP server of each named account (all accounts when none is
named) with the stored password, then logs out. Nothing is read or changed
in the mailbox. TLS certificates are verified; extra trusted roots come from
SSL_CERT_FILE / SSL_CERT_DIR.

Each result is kept as the account's last check. The exit code is 1 when any
account did not log in.`)
	asJSON := fs.Bool("json", false, "print a JSON array: name, status, error, latency_ms, tls")
	conc := fs.Int("concurrency", 8, "checks at once")
	perHost := fs.Int("per-host", 4, "checks at once against one server (providers ban busy addresses)")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit of one check")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *conc < 1 || *perHost < 1 || *timeout <= 0 {
		return usageErr(fmt.Errorf("--concurrency, --per-host and --timeout must be positive"), "")
	}
	id, err := e.identity()
	if err != nil {
		return err
	}
	f, err := vault.Open(e.vaultPath, id)
	if err != nil {
		return err
	}
	accts, err := selectAccounts(f.Vault, names)
	if err != nil {
		return err
	}
	if len(accts) == 0 {
		fmt.Fprintln(e.stderr, "imapvault: no accounts to check: add one with 'imapvault add'")
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pool := imapcheck.Pool{Concurrency: *conc, PerHost: *perHost, Timeout: *timeout, Prepare: e.freshTokens(accts, id)}
	results := runChecks(ctx, e, accts, pool, !*asJSON)
	if *asJSON {
		if err := writeCheckJSON(e.stdout, results); err != nil {
			return err
		}
	}
	records := map[string]*vault.Check{}
	failed := 0
	for i, r := range results {
		records[accts[i].ID] = lastcheck.Record(r)
		if !r.OK() {
			failed++
		}
	}
	if err := lastcheck.Store(e.vaultPath, id, records, 10*time.Second); err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(e.stdout, "\n%d checked, %d ok, %d failed\n", len(results), len(results)-failed, failed)
	}
	if failed > 0 {
		return errFound
	}
	return nil
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
func runChecks(ctx context.Context, e *env, accts []*vault.Account, pool imapcheck.Pool, live bool) []imapcheck.Result {
	targets := make([]imapcheck.Target, len(accts))
	width := 4
	for i, a := range accts {
		targets[i] = lastcheck.Target(a, tlsConfig())
		width = max(width, len(a.Name))
	}
	if live {
		fmt.Fprintf(e.stdout, "%-*s  %-16s %8s  %-9s %s\n", width, "NAME", "STATUS", "LATENCY", "CERT", "SERVER SAYS")
	}
	results := make([]imapcheck.Result, len(accts))
	progress := !live && e.stderrIsTerminal() // --json: say how far it got, on stderr
	done := 0
	for it := range pool.Run(ctx, targets) {
		oauth.ExplainRefusal(accts[it.Index], &it.Result)
		results[it.Index] = it.Result
		done++
		if live {
			writeCheckLine(e.stdout, width, it.Result)
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
	fmt.Fprintf(w, "%-*s  %-16s %6dms  %-9s %s\n", width, r.Name, statusWord(r.Status), r.Timings.Total.Milliseconds(), cert, says)
}

func statusWord(s imapcheck.Status) string {
	if s == imapcheck.StatusOK {
		return "ok"
	}
	return "FAIL " + string(s)
}

func writeCheckJSON(w io.Writer, results []imapcheck.Result) error {
	items := make([]checkItem, 0, len(results))
	for _, r := range results {
		it := checkItem{Name: r.Name, Status: string(r.Status), LatencyMS: r.Timings.Total.Milliseconds()}
		if !r.OK() {
			it.Error = r.Message
		}
		if r.TLS != nil && r.TLS.Version != "" {
			it.TLS = &checkTLS{Version: r.TLS.Version, NotAfter: r.TLS.NotAfter, DaysLeft: r.TLS.DaysLeft}
		}
		items = append(items, it)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(items)
}
