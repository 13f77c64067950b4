package posture

import (
	"context"
	"crypto/tls"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// Many accounts share a server: each endpoint is probed once per Prober,
// whatever the number of listings or calls, with at most a fixed number of
// connections; and the probes of one host never exceed the per-host limit.
func TestProberCachesAndLimits(t *testing.T) {
	p := newPKI(t)
	g := &gauge{}
	var servers []*rawServer
	var eps []Endpoint
	for i := range 6 {
		sec := vault.TLS
		if i%2 == 1 {
			sec = vault.STARTTLS
		}
		s := startRawGauge(t, IMAP, sec, p.leaf(t, leafSpec{}), i == 1, g)
		servers = append(servers, s)
		for range 8 { // eight accounts on each server
			eps = append(eps, s.endpoint())
		}
	}
	pr := New(Options{TLSConfig: &tls.Config{RootCAs: p.pool}, PerHost: 2, Concurrency: 8})
	rs := pr.Probe(context.Background(), eps)
	if len(rs) != len(eps) {
		t.Fatalf("%d results for %d endpoints", len(rs), len(eps))
	}
	for i, r := range rs {
		if r.Err != nil || r.Endpoint != eps[i] {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	// Asked again: nothing new is dialled.
	pr.Probe(context.Background(), eps[:8])
	for i, s := range servers {
		n := s.conns.Load()
		// implicit TLS: main, versions, weak suites; STARTTLS adds the
		// injection probe (the implicit-port probe dials the same server
		// here, ImplicitPort being its own port).
		want := int64(3)
		if i%2 == 1 {
			want = 5
		}
		if n != want {
			t.Errorf("server %d: %d connections, want %d", i, n, want)
		}
		if l := s.logins.Load(); l != 0 {
			t.Errorf("server %d: %d login attempts; a probe never logs in", i, l)
		}
	}
	// Counted where the connections are made: a server only sees a
	// close some time after it happened.
	if pr.peak != 2 {
		t.Errorf("%d connections at once to 127.0.0.1, want the per-host limit 2", pr.peak)
	}
	t.Logf("the servers saw at most %d at once", g.max())
	if kinds := kindsOf(rs[8].Findings); len(kinds) != 1 || kinds[0] != StartTLSInjection {
		t.Errorf("the flawed server's accounts: %v", rs[8].Findings)
	}
}
