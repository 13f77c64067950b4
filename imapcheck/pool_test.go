package imapcheck_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// collect reads every result and fails on duplicates or missing indexes.
func collect(t *testing.T, ch <-chan imapcheck.Indexed, n int) []imapcheck.Result {
	t.Helper()
	got := make([]imapcheck.Result, n)
	seen := make([]bool, n)
	for r := range ch {
		if r.Index < 0 || r.Index >= n || seen[r.Index] {
			t.Fatalf("bad or repeated index %d", r.Index)
		}
		seen[r.Index] = true
		got[r.Index] = r.Result
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("no result for target %d", i)
		}
	}
	return got
}

// TestPoolStalledServers: 10 of 50 targets are on a server that never
// answers. The pool must not wait for them one after the other, and the
// answering ones must stream out while the stalled ones still hang. No
// clock decides: the stalled checks' timeout is far longer than the test,
// every answering result must come before any stalled one, the silent
// server must see all ten connections open at once, and a cancel then
// ends them.
func TestPoolStalledServers(t *testing.T) {
	t.Parallel()
	good := testimap.Start(t, testimap.Options{Users: map[string]string{user: pw}})
	silent := testimap.Start(t, testimap.Options{Silent: true})
	targets := make([]imapcheck.Target, 50)
	stalled := map[int]bool{}
	for i := range targets {
		s := good
		if i%5 == 0 {
			s = silent
			stalled[i] = true
		}
		targets[i] = target(s, imapcheck.TLS, pw)
	}
	// More slots than stalled targets: the answering ones always find one.
	p := imapcheck.Pool{Concurrency: 16, PerHost: 50, Timeout: testwait.Patience}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := p.Run(ctx, targets)
	var res []imapcheck.Indexed
	for len(res) < len(targets)-len(stalled) {
		r := <-ch
		if stalled[r.Index] {
			t.Fatalf("target %d (stalled) ended before the answering ones: %s %s", r.Index, r.Result.Status, r.Result.Message)
		}
		res = append(res, r)
	}
	testwait.For(t, "the stalled checks to be in flight together", func() bool { return silent.MaxConns() == len(stalled) })
	cancel()
	for i, r := range collect(t, prepend(res, ch), len(targets)) {
		want := imapcheck.StatusOK
		if stalled[i] {
			want = imapcheck.StatusTimeout
		}
		if r.Status != want {
			t.Errorf("target %d: status %q (%s), want %q", i, r.Status, r.Message, want)
		}
	}
}

func prepend(first []imapcheck.Indexed, rest <-chan imapcheck.Indexed) <-chan imapcheck.Indexed {
	ch := make(chan imapcheck.Indexed, len(first))
	for _, r := range first {
		ch <- r
	}
	go func() {
		defer close(ch)
		for r := range rest {
			ch <- r
		}
	}()
	return ch
}

// TestPoolLimits checks the global and the per-host limit with servers that
// never answer: each check then lasts exactly one timeout, so the number of
// waves, and the least time the pool can take, follows from the limit.
// Lower bounds only: they cannot flake on a slow machine.
// TestPoolLimits: against servers that never answer, the first checks
// hold their connections, so the most the server ever sees open at once is
// exactly what the pool allows: one more (five against a limit of four)
// fails. No connection closes before the count is read, so no close can
// race with an accept.
func TestPoolLimits(t *testing.T) {
	tests := []struct {
		name        string
		pool        imapcheck.Pool
		hosts       []string // one target per entry
		wantMaxOpen int
	}{
		{"concurrency", imapcheck.Pool{Concurrency: 4, PerHost: 100, Timeout: time.Minute},
			repeat("127.0.0.1", 12), 4},
		{"per host", imapcheck.Pool{Concurrency: 8, PerHost: 2, Timeout: time.Minute},
			repeat("127.0.0.1", 6), 2},
		{"per host counts each host", imapcheck.Pool{Concurrency: 8, PerHost: 2, Timeout: time.Minute},
			append(repeat("127.0.0.1", 4), repeat("localhost", 4)...), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testimap.Start(t, testimap.Options{Silent: true})
			targets := make([]imapcheck.Target, len(tt.hosts))
			for i, h := range tt.hosts {
				targets[i] = target(s, imapcheck.TLS, pw)
				targets[i].Host = h
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch := tt.pool.Run(ctx, targets)
			testwait.For(t, "the first connections", func() bool { return s.Conns() >= tt.wantMaxOpen })
			// Give a pool that would overshoot the time to do it. (This
			// sleep waits for nothing that must happen: on a slow machine
			// it can only miss an overshoot, never fail a good pool.)
			time.Sleep(300 * time.Millisecond)
			if got := s.MaxConns(); got != tt.wantMaxOpen {
				t.Errorf("server saw at most %d connections at once, want exactly %d", got, tt.wantMaxOpen)
			}
			cancel()
			for i, r := range collect(t, ch, len(targets)) {
				if r.Status == imapcheck.StatusOK {
					t.Errorf("target %d logged in to a silent server", i)
				}
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestPoolCancel(t *testing.T) {
	t.Parallel()
	s := testimap.Start(t, testimap.Options{Silent: true})
	targets := make([]imapcheck.Target, 20)
	for i := range targets {
		targets[i] = target(s, imapcheck.TLS, pw)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := imapcheck.Pool{Concurrency: 4, PerHost: 4, Timeout: time.Minute}
	ch := p.Run(ctx, targets)
	testwait.For(t, "the first four checks to connect", func() bool { return s.Conns() == 4 })
	start := time.Now()
	cancel()
	res := collect(t, ch, len(targets))
	if d := time.Since(start); d > overdue {
		t.Errorf("pool took %v to stop after cancel", d)
	}
	notStarted := 0
	for i, r := range res {
		if r.Status != imapcheck.StatusTimeout || !strings.Contains(r.Message, "cancelled") {
			t.Errorf("target %d: %q %q, want timeout saying cancelled", i, r.Status, r.Message)
		}
		if strings.Contains(r.Message, "before it started") {
			notStarted++
		}
	}
	if notStarted != 16 {
		t.Errorf("%d targets reported as never started, want 16", notStarted)
	}
	if got := s.Conns(); got != 4 {
		t.Errorf("server accepted %d connections, want 4: cancelled targets were still dialled", got)
	}
}

func TestPoolEmpty(t *testing.T) {
	for range (imapcheck.Pool{}).Run(context.Background(), nil) {
		t.Fatal("result for no targets")
	}
}

// TestPoolPerHostCountsLingeringLogouts: a check's result comes before the
// server has answered its LOGOUT, but the connection is still open until
// then; --per-host bounds the connections a server sees, so the next check
// for that host waits for it.
func TestPoolPerHostCountsLingeringLogouts(t *testing.T) {
	s := testimap.Start(t, testimap.Options{Users: map[string]string{user: pw}, SlowLogout: 300 * time.Millisecond})
	targets := make([]imapcheck.Target, 6)
	for i := range targets {
		targets[i] = target(s, imapcheck.TLS, pw)
	}
	pool := imapcheck.Pool{Concurrency: 8, PerHost: 2, Timeout: time.Minute}
	for i, r := range collect(t, pool.Run(context.Background(), targets), len(targets)) {
		if !r.OK() {
			t.Fatalf("target %d: %s %s", i, r.Status, r.Message)
		}
	}
	if got := s.MaxConns(); got != 2 {
		t.Errorf("the server saw %d connections at once, want at most --per-host 2", got)
	}
}
