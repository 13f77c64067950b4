package discover

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"
)

// Discover finds the IMAP (and SMTP) servers of address. The sources run
// at once; the answer of a more preferred source wins over a less
// preferred one, even when that one answered first (draft section 4).
// Each source's wait is bounded by Options.Timeout per fetch or lookup,
// so a stalled server delays the answer by that much at most. With
// nothing found, the error is a *NotFoundError naming what was tried.
func Discover(ctx context.Context, address string, o Options) (*Result, error) {
	a, err := parseAddress(address)
	if err != nil {
		return nil, err
	}
	if o.Offline {
		if p := builtinByDomain(a.domain); p != nil {
			return p.result(a), nil
		}
		return nil, &NotFoundError{Address: a.full, Offline: true}
	}
	if o.ISPDB != "" {
		if err := CheckISPDB(o.ISPDB); err != nil {
			return nil, err
		}
	}
	if o.Resolver != "" {
		if err := CheckResolver(o.Resolver); err != nil {
			return nil, err
		}
	}
	res := newResolver(o)
	d := &run{a: a, o: o, res: res, f: newFetcher(o, res)}
	return d.run(ctx)
}

// run is one discovery.
type run struct {
	a   address
	o   Options
	res *resolver
	f   *fetcher

	mxOnce sync.Once // the MX lookup is shared by the MX and built-in steps
	mx     string
	mxErr  error
}

// outcome is what one source gave: a result, or the attempts that failed.
type outcome struct {
	r     *Result
	tried []Attempt
}

func (d *run) run(ctx context.Context) (*Result, error) {
	// Each step is bounded by its own timeouts (the MX chain by two in a
	// row); this is the backstop.
	ctx, cancel := context.WithTimeout(ctx, 3*d.o.timeout())
	defer cancel()
	dom := d.a.domain
	steps := []func(context.Context) outcome{
		func(ctx context.Context) outcome { return d.fetchStep(ctx, SourceAutoconfig, autoconfigURL(dom, d.a)) },
		func(ctx context.Context) outcome { return d.fetchStep(ctx, SourceWellKnown, wellKnownURL(dom)) },
		func(ctx context.Context) outcome { return d.fetchStep(ctx, SourceISPDB, d.o.ispdb()+dom) },
		d.mxStep,
		d.srvStep,
		d.builtinStep,
	}
	outs := make([]chan outcome, len(steps))
	for i, step := range steps {
		outs[i] = make(chan outcome, 1)
		go func() { outs[i] <- step(ctx) }()
	}
	var tried []Attempt
	for i := range steps {
		out := <-outs[i]
		if out.r != nil {
			cancel() // the less preferred steps still running
			out.r.Tried = tried
			d.finish(out.r)
			return out.r, nil
		}
		tried = append(tried, out.tried...)
	}
	return nil, &NotFoundError{Address: d.a.full, Tried: tried}
}

func autoconfigURL(domain string, a address) string {
	return "https://autoconfig." + domain + "/mail/config-v1.1.xml?emailaddress=" + url.QueryEscape(a.full)
}

func wellKnownURL(domain string) string {
	return "https://" + domain + "/.well-known/autoconfig/mail/config-v1.1.xml"
}

// fetchStep fetches and reads one config file.
func (d *run) fetchStep(ctx context.Context, src Source, u string) outcome {
	r, err := d.fetchConfig(ctx, src, u)
	if err != nil {
		return outcome{tried: []Attempt{{Source: src, What: u, Err: err}}}
	}
	return outcome{r: r}
}

func (d *run) fetchConfig(ctx context.Context, src Source, u string) (*Result, error) {
	b, err := d.f.get(ctx, u)
	if err != nil {
		return nil, err
	}
	c, err := parseConfig(b, d.a)
	if err != nil {
		return nil, err
	}
	return &Result{Address: d.a.full, Source: src, From: u, Provider: c.provider,
		IMAP: c.imap, SMTP: c.smtp, Auth: c.imapAuth, OAuth: c.oauth}, nil
}

// firstOf fetches urls at once and returns the first usable answer in
// their order, or every failure.
func (d *run) firstOf(ctx context.Context, src Source, urls []string) (*Result, []Attempt) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outs := make([]chan outcome, len(urls))
	for i, u := range urls {
		outs[i] = make(chan outcome, 1)
		go func() { outs[i] <- d.fetchStep(ctx, src, u) }()
	}
	var tried []Attempt
	for i := range urls {
		out := <-outs[i]
		if out.r != nil {
			return out.r, nil
		}
		tried = append(tried, out.tried...)
	}
	return nil, tried
}

// mxHost is the domain's most preferred MX host, looked up once.
func (d *run) mxHost(ctx context.Context) (string, error) {
	d.mxOnce.Do(func() { d.mx, d.mxErr = d.res.mx(ctx, d.a.domain) })
	return d.mx, d.mxErr
}

// mxStep asks the autoconfig server and the ISPDB of the MX host's domains
// (draft 3.1-3.4): a hosting company's customers find its config there.
func (d *run) mxStep(ctx context.Context) outcome {
	host, err := d.mxHost(ctx)
	if err != nil {
		return outcome{tried: []Attempt{{Source: SourceMX, What: "MX " + d.a.domain, Err: err}}}
	}
	doms := mxDomains(host, d.a.domain)
	if len(doms) == 0 {
		return outcome{tried: []Attempt{{Source: SourceMX, What: "MX " + d.a.domain,
			Err: fmt.Errorf("the MX host %s is in the address's own domain, asked already", host)}}}
	}
	var urls []string
	for _, m := range doms {
		urls = append(urls, autoconfigURL(m, d.a))
	}
	for _, m := range doms {
		urls = append(urls, d.o.ispdb()+m)
	}
	r, tried := d.firstOf(ctx, SourceMX, urls)
	if r == nil {
		return outcome{tried: tried}
	}
	r.Source = SourceMX
	r.From += " (through the MX record " + host + ")"
	r.Confirm = true
	r.Why = fmt.Sprintf("found through the MX record of %s (%s), which DNS does not authenticate: check that your mail provider runs %s",
		d.a.domain, host, serverDomains(r))
	return outcome{r: r}
}

// mxDomains are the MX host's domains to ask (draft 3): the host without
// its first label when that is longer than the registrable domain, then
// the registrable domain; those equal to the address's own are left out.
func mxDomains(mxHost, own string) []string {
	base, err := publicsuffix.EffectiveTLDPlusOne(mxHost)
	if err != nil {
		return nil
	}
	var out []string
	if _, full, ok := strings.Cut(mxHost, "."); ok && len(full) > len(base) && full != own {
		out = append(out, full)
	}
	if base != own {
		out = append(out, base)
	}
	return out
}

// registrable is host's registrable domain ("example.co.uk"), or host.
func registrable(host string) string {
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// serverDomains names the registrable domains of r's servers, for the
// person confirming them.
func serverDomains(r *Result) string {
	ds := []string{registrable(r.IMAP.Host)}
	if r.SMTP != nil {
		if s := registrable(r.SMTP.Host); s != ds[0] {
			ds = append(ds, s)
		}
	}
	return strings.Join(ds, " and ")
}

// builtinStep is the table: by the address's domain, else by its MX host
// (a custom domain at Google Workspace, Microsoft 365...).
func (d *run) builtinStep(ctx context.Context) outcome {
	if p := builtinByDomain(d.a.domain); p != nil {
		return outcome{r: p.result(d.a)}
	}
	host, err := d.mxHost(ctx)
	if err == nil {
		if p := builtinByMX(host); p != nil {
			r := p.result(d.a)
			r.From += " by the MX record " + host
			r.Confirm = true
			r.Why = fmt.Sprintf("%s's MX record (%s), which DNS does not authenticate, points to %s: check that %s hosts your mail",
				d.a.domain, host, p.Name, p.Name)
			return outcome{r: r}
		}
	}
	why := errors.New("not in the built-in table")
	if err == nil {
		why = fmt.Errorf("neither %s nor its MX host %s is in the built-in table", d.a.domain, host)
	}
	return outcome{tried: []Attempt{{Source: SourceBuiltin, What: d.a.domain, Err: why}}}
}

// finish gives a result from elsewhere what the table knows of its
// server: the hint, the provider's name, its OAuth2 endpoints.
func (d *run) finish(r *Result) {
	p := builtinByHost(r.IMAP.Host)
	if p == nil || r.Source == SourceBuiltin {
		return
	}
	if r.Hint == "" {
		r.Hint = p.Hint
	}
	if r.Provider == "" {
		r.Provider = p.Name
	}
	if r.OAuth == nil && r.HasAuth(AuthOAuth2) && p.OAuth != nil {
		o := *p.OAuth
		o.Scopes = append([]string(nil), o.Scopes...)
		r.OAuth = &o
	}
}
