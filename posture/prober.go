package posture

import (
	"context"
	"slices"
	"sync"
)

// Prober probes endpoints within its limits and remembers each result for
// its lifetime (one run of a command): many accounts share a server, and
// the server sees one probe.
type Prober struct {
	opts Options
	sem  chan struct{} // endpoints probed at once

	mu    sync.Mutex
	cache map[string]*entry
	hosts map[string]chan struct{} // endpoint probes at once per host
	open  map[string]int           // connections open per host
	peak  int                      // most connections open to one host, for tests
}

type entry struct {
	done chan struct{}
	r    Result
}

// New returns a Prober with opts (defaults filled in).
func New(opts Options) *Prober {
	opts = opts.withDefaults()
	return &Prober{opts: opts, sem: make(chan struct{}, opts.Concurrency),
		cache: map[string]*entry{}, hosts: map[string]chan struct{}{}, open: map[string]int{}}
}

// Probe probes every endpoint not probed before by p and returns the
// results in the order of eps. An endpoint listed twice, or asked for
// again later, is probed once. When ctx ends, endpoints not yet probed
// report ctx's error.
func (p *Prober) Probe(ctx context.Context, eps []Endpoint) []Result {
	entries := make([]*entry, len(eps))
	var wg sync.WaitGroup
	for i, ep := range eps {
		e, fresh := p.entry(ep)
		entries[i] = e
		if fresh {
			wg.Go(func() { p.run(ctx, ep, e) })
		}
	}
	wg.Wait()
	out := make([]Result, len(eps))
	for i, e := range entries {
		<-e.done // probed by an earlier call still running, maybe
		out[i] = e.r
		out[i].Endpoint = eps[i]
		out[i].Findings = slices.Clone(e.r.Findings)
	}
	return out
}

func (p *Prober) entry(ep Endpoint) (*entry, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.cache[ep.key()]; e != nil {
		return e, false
	}
	e := &entry{done: make(chan struct{})}
	p.cache[ep.key()] = e
	return e, true
}

// run probes ep in a host slot and a global one. The host slot is taken
// first, so that waiting for a busy host holds no slot others could use.
func (p *Prober) run(ctx context.Context, ep Endpoint, e *entry) {
	defer close(e.done)
	host := p.hostSlots(ep)
	select {
	case host <- struct{}{}:
		defer func() { <-host }()
	case <-ctx.Done():
		e.r = Result{Endpoint: ep, Err: ctx.Err()}
		return
	}
	select {
	case p.sem <- struct{}{}:
		defer func() { <-p.sem }()
	case <-ctx.Done():
		e.r = Result{Endpoint: ep, Err: ctx.Err()}
		return
	}
	e.r = p.probe(ctx, ep)
}

func (p *Prober) hostSlots(ep Endpoint) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.hosts[ep.hostKey()]
	if h == nil {
		h = make(chan struct{}, p.opts.PerHost)
		p.hosts[ep.hostKey()] = h
	}
	return h
}

// opened counts a connection to host until the returned func runs. An
// endpoint's probe holds one host slot and dials one connection at a
// time, so the count never exceeds PerHost; peak lets tests see it.
func (p *Prober) opened(host string) func() {
	p.mu.Lock()
	p.open[host]++
	p.peak = max(p.peak, p.open[host])
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		p.open[host]--
		p.mu.Unlock()
	}
}
