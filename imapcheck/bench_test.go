package imapcheck_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
)

func runPool(b *testing.B, p imapcheck.Pool, targets []imapcheck.Target) {
	b.Helper()
	for r := range p.Run(context.Background(), targets) {
		if !r.Result.OK() {
			b.Fatalf("target %d: %s %s", r.Index, r.Result.Status, r.Result.Message)
		}
	}
}

// BenchmarkPool1000 checks 1,000 accounts against the in-process TLS
// server. CPU per check is the whole process: client and server together.
func BenchmarkPool1000(b *testing.B) {
	s := testimap.Start(b, testimap.Options{Users: map[string]string{user: pw}})
	targets := make([]imapcheck.Target, 1000)
	for i := range targets {
		targets[i] = target(s, imapcheck.TLS, pw)
	}
	p := imapcheck.Pool{Concurrency: 32, PerHost: 32, Timeout: 10 * time.Second}
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		runPool(b, p, targets)
	}
	checks := float64(b.N * len(targets))
	b.ReportMetric(checks/b.Elapsed().Seconds(), "checks/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/checks, "cpu-µs/check")
}

// BenchmarkPoolRTT puts a 20ms round trip between client and server and
// compares the pool's time with ceil(accounts/concurrency) times one check:
// a ratio near 1 means the pool adds no waiting of its own.
func BenchmarkPoolRTT(b *testing.B) {
	const (
		rtt         = 20 * time.Millisecond
		accounts    = 32
		concurrency = 8
	)
	s := testimap.Start(b, testimap.Options{Users: map[string]string{user: pw}})
	px := testimap.Proxy(b, s.Addr(), rtt)
	tg := target(s, imapcheck.TLS, pw)
	tg.Port = px.Port()

	var one time.Duration
	const samples = 5
	for range samples {
		r := imapcheck.Check(context.Background(), tg)
		if !r.OK() {
			b.Fatalf("single check: %s %s", r.Status, r.Message)
		}
		one += r.Timings.Total
	}
	one /= samples

	targets := make([]imapcheck.Target, accounts)
	for i := range targets {
		targets[i] = tg
	}
	p := imapcheck.Pool{Concurrency: concurrency, PerHost: concurrency, Timeout: 10 * time.Second}
	b.ResetTimer()
	for b.Loop() {
		runPool(b, p, targets)
	}
	perRun := b.Elapsed() / time.Duration(b.N)
	ideal := time.Duration(math.Ceil(float64(accounts)/concurrency)) * one
	b.ReportMetric(float64(one)/float64(rtt), "rtts/check")
	b.ReportMetric(float64(perRun)/float64(ideal), "ratio-to-ideal")
}

// BenchmarkCurl is the same login with curl, one process per check and 8 at
// a time, for comparison. The password goes through a netrc file, never
// argv.
func BenchmarkCurl(b *testing.B) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		b.Skip("curl not installed")
	}
	s := testimap.Start(b, testimap.Options{Users: map[string]string{user: pw}})
	dir := b.TempDir()
	ca, err := testimap.DefaultCA()
	if err != nil {
		b.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	netrc := filepath.Join(dir, "netrc")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(netrc, fmt.Appendf(nil, "machine 127.0.0.1 login %s password %q\n", user, pw), 0o600); err != nil {
		b.Fatal(err)
	}
	url := fmt.Sprintf("imaps://127.0.0.1:%d/", s.Port())
	const checks, concurrency = 64, 8
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, concurrency)
		errs := make(chan error, checks)
		for range checks {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				out, err := exec.Command(curl, "-s", "-S", "--netrc-file", netrc, "--cacert", caFile, url).CombinedOutput()
				if err != nil {
					errs <- fmt.Errorf("curl: %v: %s", err, out)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*checks)/b.Elapsed().Seconds(), "checks/s")
}
