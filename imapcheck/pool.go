package imapcheck

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Pool checks many targets at once, within limits.
type Pool struct {
	Concurrency int           // checks at once; 0 means 8
	PerHost     int           // checks at once against one host; 0 means 4
	Timeout     time.Duration // per check; 0 means 10s
	// Prepare, when set, runs in the check's slot and within its timeout
	// just before the login: an OAuth2 account gets its fresh access token
	// here. A non-nil Result is reported instead of a check.
	Prepare func(ctx context.Context, index int, t Target) (Target, *Result)
	// Beside, when set, runs in the check's slot beside the login (in a
	// goroutine of its own, with a Timeout of its own), and the result is
	// sent once both are done: an account's SMTP check runs here, so
	// --concurrency bounds it too and --per-host holds per protocol (one
	// IMAP and one SMTP connection per slot). It gets the target as
	// prepared (a fresh token).
	Beside func(ctx context.Context, index int, t Target)
}

// Indexed is a result with the position of its target in the slice given
// to Run.
type Indexed struct {
	Index  int
	Result Result
}

func (p Pool) withDefaults() Pool {
	if p.Concurrency <= 0 {
		p.Concurrency = 8
	}
	if p.PerHost <= 0 {
		p.PerHost = 4
	}
	if p.Timeout <= 0 {
		p.Timeout = 10 * time.Second
	}
	return p
}

// hostKey groups targets by server: providers limit connections per client
// address, whatever the port. Case does not matter in host names.
func hostKey(t Target) string { return strings.ToLower(t.Host) }

// Run checks every target and streams each result as soon as it is known,
// in order of completion. The channel is closed once every target has had
// exactly one result.
//
// When ctx is cancelled, checks in flight stop at once and report
// StatusTimeout ("check cancelled during ..."); targets not yet started are
// not dialled at all but still get a StatusTimeout result ("check cancelled
// before it started"), so callers can count on len(targets) results.
func (p Pool) Run(ctx context.Context, targets []Target) <-chan Indexed {
	p = p.withDefaults()
	// Buffered for every result, so checks never wait for a slow reader and
	// nothing leaks if the reader walks away.
	out := make(chan Indexed, len(targets))
	go p.dispatch(ctx, targets, out)
	return out
}

// finished frees a check's slots: once its connection is gone, not when
// its result is ready (the LOGOUT may still be on its way).
type finished struct{ host string }

func (p Pool) dispatch(ctx context.Context, targets []Target, out chan<- Indexed) {
	defer close(out)
	pending := make([]int, len(targets))
	for i := range pending {
		pending[i] = i
	}
	perHost := make(map[string]int)
	running := 0
	done := make(chan finished, p.Concurrency)
	// Each running check sends one result, then its finished: results
	// is big enough for every one of them, so none waits on the other.
	results := make(chan Indexed, p.Concurrency)
	ctxDone := ctx.Done()

	for len(pending) > 0 || running > 0 {
		if ctx.Err() == nil {
			// Start what fits, in order, skipping targets whose host is
			// busy so one big provider cannot block the others.
			kept := pending[:0]
			for _, i := range pending {
				h := hostKey(targets[i])
				if running < p.Concurrency && perHost[h] < p.PerHost {
					running++
					perHost[h]++
					go p.check(ctx, i, targets[i], h, results, done)
					continue
				}
				kept = append(kept, i)
			}
			pending = kept
		}
		select {
		case r := <-results:
			out <- r
		case f := <-done:
			running--
			perHost[f.host]--
		case <-ctxDone:
			ctxDone = nil
			for _, i := range pending {
				out <- Indexed{Index: i, Result: Result{
					Name:    targets[i].Name,
					Status:  StatusTimeout,
					Message: "check cancelled before it started",
					At:      time.Now(),
				}}
			}
			pending = nil
		}
	}
	// Every check has finished, so every result is in the buffer.
	for len(results) > 0 {
		out <- <-results
	}
}

func (p Pool) check(parent context.Context, i int, t Target, host string, results chan<- Indexed, done chan<- finished) {
	defer func() { done <- finished{host: host} }()
	ctx, cancel := context.WithTimeout(parent, p.Timeout)
	defer cancel()
	if p.Prepare != nil {
		var r *Result
		if t, r = p.Prepare(ctx, i, t); r != nil {
			results <- Indexed{Index: i, Result: *r}
			return
		}
	}
	var beside sync.WaitGroup
	if p.Beside != nil {
		beside.Go(func() {
			bctx, bcancel := context.WithTimeout(parent, p.Timeout)
			defer bcancel()
			p.Beside(bctx, i, t)
		})
	}
	r, closed := checkClosed(ctx, t)
	beside.Wait()
	results <- Indexed{Index: i, Result: r}
	<-closed // bounded: finishLogout closes the conn after LogoutGrace
}
