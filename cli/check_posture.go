package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/posture"
	"github.com/imapvault/imapvault/vault"
)

// postureItem is one finding in a `check --posture --json` entry.
type postureItem struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Endpoint string `json:"endpoint"`
	Message  string `json:"message"`
}

// runPosture probes the endpoints of accts after their logins, within the
// same limits (per host, at once, per connection), each endpoint once.
func runPosture(ctx context.Context, accts []*vault.Account, o checkFlags) []posture.AccountResult {
	p := posture.New(posture.Options{Concurrency: o.pool.Concurrency, PerHost: o.pool.PerHost,
		Timeout: o.pool.Timeout, TLSConfig: tlsConfig()})
	out := p.Accounts(ctx, accts)
	for i, r := range out {
		// No probe sends a secret, but a certificate name could happen to
		// hold one: the same last guard as the login check's words.
		secrets := accts[i].Secrets()
		if r.Posture != nil {
			for j := range r.Posture.Findings {
				f := &r.Posture.Findings[j]
				f.Message = vault.Redact(f.Message, secrets...)
			}
		}
	}
	return out
}

// postureJSON is an account's "posture" array: empty when the probe
// found nothing, absent (nil) when none of its endpoints could be probed.
func postureJSON(post []posture.AccountResult, i int) *[]postureItem {
	if post == nil || post[i].Posture == nil {
		return nil
	}
	items := []postureItem{}
	for _, f := range post[i].Posture.Findings {
		items = append(items, postureItem{Kind: f.Kind, Severity: f.Severity, Endpoint: f.Endpoint, Message: f.Message})
	}
	return &items
}

// postureCount is how many findings the probes made.
func postureCount(post []posture.AccountResult) int {
	n := 0
	for _, r := range post {
		if r.Posture != nil {
			n += len(r.Posture.Findings)
		}
	}
	return n
}

// writePostureText prints what the probes found, each finding once with
// the accounts it concerns (many accounts share a server), worst first,
// then the endpoints that could not be probed.
func writePostureText(w io.Writer, accts []*vault.Account, post []posture.AccountResult) {
	type group struct {
		f     posture.Finding
		names []string
	}
	groups := map[posture.Finding]*group{}
	failed := map[string]string{} // endpoint -> error
	for i, r := range post {
		for _, e := range r.Errs {
			failed[e.Endpoint] = e.Err.Error()
		}
		if r.Posture == nil {
			continue
		}
		for _, f := range r.Posture.Findings {
			g := groups[f]
			if g == nil {
				g = &group{f: f}
				groups[f] = g
			}
			g.names = append(g.names, accts[i].Name)
		}
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i].f, list[j].f
		if ra, rb := audit.Severity(a.Severity).Rank(), audit.Severity(b.Severity).Rank(); ra != rb {
			return ra > rb
		}
		if a.Endpoint != b.Endpoint {
			return a.Endpoint < b.Endpoint
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Message < b.Message
	})
	fmt.Fprintf(w, "\nPOSTURE\n")
	if len(list) == 0 && len(failed) == 0 {
		fmt.Fprintln(w, "nothing found: no cleartext login, old TLS, weak cipher, STARTTLS injection or certificate trouble")
	}
	for _, g := range list {
		sort.Strings(g.names)
		fmt.Fprintf(w, "%-8s %-18s %s (%s)\n", line(g.f.Severity), line(g.f.Kind), lineN(g.f.Message, 400), lineN(accountList(g.names), 200))
	}
	eps := make([]string, 0, len(failed))
	for ep := range failed {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	for _, ep := range eps {
		fmt.Fprintf(w, "%-8s %-18s %s\n", "-", "not probed", lineN(ep+": "+failed[ep], 400))
	}
}

func accountList(names []string) string {
	const shown = 3
	if len(names) > shown {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
	}
	return strings.Join(names, ", ")
}

// nagiosPosture sorts the posture findings (each endpoint's once, however
// many accounts share it) by the state they call for: high and critical
// are CRITICAL, medium WARNING, low only listed.
func nagiosPosture(post []posture.AccountResult) (crit, warn, low []nagiosProblem) {
	seen := map[[2]string]bool{}
	for _, r := range post {
		if r.Posture == nil {
			continue
		}
		for _, f := range r.Posture.Findings {
			k := [2]string{f.Endpoint, f.Kind}
			if seen[k] {
				continue
			}
			seen[k] = true
			short := fmt.Sprintf("%s %s", nagiosText(f.Endpoint, 80), nagiosText(f.Kind, 40))
			switch audit.Severity(f.Severity) {
			case audit.Critical, audit.High:
				crit = append(crit, nagiosProblem{nagiosCritical, short, "CRITICAL: " + short + ": " + nagiosText(f.Message, 300)})
			case audit.Medium:
				warn = append(warn, nagiosProblem{nagiosWarning, short, "WARNING: " + short + ": " + nagiosText(f.Message, 300)})
			default:
				low = append(low, nagiosProblem{nagiosOK, short, "NOTE: " + short + ": " + nagiosText(f.Message, 300)})
			}
		}
	}
	return crit, warn, low
}

func posturePart(ps []nagiosProblem) string {
	what := "posture findings"
	if len(ps) == 1 {
		what = "posture finding"
	}
	return fmt.Sprintf("%d %s: %s", len(ps), what, shortList(ps))
}
