package posture

import (
	"context"
	"strings"

	"github.com/imapvault/imapvault/vault"
)

// Endpoints are the servers a's credential goes to: its IMAP server, and
// its SMTP server when it has one.
func Endpoints(a *vault.Account) []Endpoint {
	eps := []Endpoint{{Proto: IMAP, Host: a.Host, Port: a.PortOrDefault(), Security: a.SecurityOrDefault(), CAFile: a.CAFile}}
	if s := a.SMTP; s != nil && s.Host != "" {
		eps = append(eps, Endpoint{Proto: SMTP, Host: s.Host, Port: s.PortOrDefault(), Security: s.SecurityOrDefault(), CAFile: a.CAFile})
	}
	return eps
}

// EndpointError is a probe of one endpoint that could not be made.
type EndpointError struct {
	Endpoint string // "imap host:port"
	Err      error
}

func (e *EndpointError) Error() string { return e.Endpoint + ": " + e.Err.Error() }
func (e *EndpointError) Unwrap() error { return e.Err }

// AccountResult is the posture of one account's endpoints.
type AccountResult struct {
	// Posture holds the findings of every endpoint (at is now). An
	// endpoint that could not be probed keeps the findings of the
	// account's last posture; Posture is nil when nothing was learnt.
	Posture *vault.Posture
	Errs    []*EndpointError // endpoints that could not be probed
}

// Accounts probes the endpoints of accts (each distinct one once) and
// returns each account's posture, in the order of accts.
func (p *Prober) Accounts(ctx context.Context, accts []*vault.Account) []AccountResult {
	var eps []Endpoint
	for _, a := range accts {
		eps = append(eps, Endpoints(a)...)
	}
	results := p.Probe(ctx, eps)
	out := make([]AccountResult, len(accts))
	at := p.opts.Now()
	for i, a := range accts {
		n := len(Endpoints(a))
		mine := results[:n]
		results = results[n:]
		post := &vault.Posture{At: at, Findings: []Finding{}}
		learnt := 0 // endpoints probed, or findings known without probing
		for _, r := range mine {
			if r.Err != nil {
				out[i].Errs = append(out[i].Errs, &EndpointError{Endpoint: r.Endpoint.Name(), Err: r.Err})
				post.Findings = append(post.Findings, previous(a, r.Endpoint.Name())...)
			} else {
				learnt++
				post.Findings = append(post.Findings, r.Findings...)
			}
			// Known without a connection.
			if f, ok := sunsetFinding(a, r.Endpoint); ok {
				post.Findings = append(post.Findings, f)
				learnt++
			}
		}
		if learnt > 0 {
			out[i].Posture = post
		}
	}
	return out
}

// previous is what a's last posture found at the endpoint by probing.
func previous(a *vault.Account, endpoint string) []Finding {
	if a.LastCheck == nil || a.LastCheck.Posture == nil {
		return nil
	}
	var out []Finding
	for _, f := range a.LastCheck.Posture.Findings {
		if f.Endpoint == endpoint && f.Kind != BasicAuthSunset {
			out = append(out, f)
		}
	}
	return out
}

// microsoftDomains are the mail hosts of Exchange Online and Outlook.com
// (and their national clouds), matched with their subdomains.
var microsoftDomains = []string{"office365.com", "outlook.com", "office.com", "office365.us", "outlook.cn", "partner.outlook.cn"}

// IsMicrosoft reports whether host is one of Microsoft's mail servers.
func IsMicrosoft(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range microsoftDomains {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// sunsetFinding: a password account on Microsoft's servers, which take no
// basic auth for IMAP any more and turn it off for SMTP AUTH.
func sunsetFinding(a *vault.Account, ep Endpoint) (Finding, bool) {
	if a.IsOAuth2() || !IsMicrosoft(ep.Host) {
		return Finding{}, false
	}
	todo := "switch it to OAuth2 (imapvault add --auth oauth2 --provider microsoft, then remove the old entry)"
	msg := "Exchange Online and Outlook.com no longer accept passwords (basic auth) for IMAP; this account logs in to " + ep.Name() + " with one: " + todo
	if ep.Proto == SMTP {
		msg = "Microsoft turns SMTP AUTH with passwords (basic auth) off by default for existing tenants from the end of December 2026; this account sends through " + ep.Name() + " with one: " + todo
	}
	return Finding{Kind: BasicAuthSunset, Severity: Medium, Endpoint: ep.Name(), Message: msg}, true
}
