//go:build unix

package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// benchVault writes a vault with n accounts on host:port (user-i / pw-i),
// encrypted to a new plain identity, and returns the vault and identity
// paths. It is written in process: n `add` children would take minutes.
func benchVault(tb testing.TB, dir string, n int, port func(i int) int) (vaultPath, idPath string) {
	idPath, vaultPath, f := plainVault(tb, dir)
	now := time.Now()
	for i := range n {
		a := &vault.Account{Name: fmt.Sprintf("acct-%05d", i), Host: "127.0.0.1", Port: port(i), Security: vault.TLS,
			Username: fmt.Sprintf("user-%d", i), Password: fmt.Sprintf("pw-%d", i), Changed: now}
		if err := f.Vault.Add(a, now); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		tb.Fatal(err)
	}
	return vaultPath, idPath
}

// bareLogin is the least a login check can do: TCP, TLS, greeting,
// AUTHENTICATE PLAIN with SASL-IR, close. No LOGOUT, no capabilities.
func bareLogin(addr string, conf *tls.Config, user, pw string) error {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(conn, conf)
	if err := tc.Handshake(); err != nil {
		return err
	}
	r := bufio.NewReader(tc)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "* OK") {
		return fmt.Errorf("greeting %q: %v", line, err)
	}
	ir := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pw))
	if _, err := fmt.Fprintf(tc, "a AUTHENTICATE PLAIN %s\r\n", ir); err != nil {
		return err
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.HasPrefix(line, "a ") {
			if !strings.HasPrefix(line, "a OK") {
				return fmt.Errorf("login: %q", line)
			}
			return nil
		}
	}
}

// A child started with IMAPVAULT_BENCH_BARE=addr,cafile,n,conc is the bare
// client as a program of its own, so that it pays a process start and talks
// to the servers across processes, as imapvault check does.
func init() {
	spec := os.Getenv("IMAPVAULT_BENCH_BARE")
	if spec == "" {
		return
	}
	f := strings.Split(spec, ",")
	pemData, err := os.ReadFile(f[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	n, _ := strconv.Atoi(f[2])
	conc, _ := strconv.Atoi(f[3])
	if err := bareRun(f[0], &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, n, conc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// bareRun logs in to n accounts, conc at a time, with bareLogin.
func bareRun(addr string, conf *tls.Config, n, conc int) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := bareLogin(addr, conf, "user-"+strconv.Itoa(i), "pw-"+strconv.Itoa(i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// BenchmarkCheckVsBareClient runs a bare client and `imapvault check` (the
// whole command as a child process: start-up, vault, checks, save) side by
// side against the same server behind a 40 ms round-trip proxy, 48
// accounts at concurrency 16, and reports the ratio of their wall times.
// The bare client runs as a child process too ("ratio"), and in the test
// process itself ("ratio-to-inproc": no process start, no scheduling across
// processes).
func BenchmarkCheckVsBareClient(b *testing.B) {
	const (
		accounts    = 48
		concurrency = 16
		rtt         = 40 * time.Millisecond
	)
	users := map[string]string{}
	for i := range accounts {
		users["user-"+strconv.Itoa(i)] = "pw-" + strconv.Itoa(i)
	}
	srv := testimap.Start(b, testimap.Options{Users: users})
	px := testimap.Proxy(b, srv.Addr(), rtt)
	dir := b.TempDir()
	vaultPath, idPath := benchVault(b, dir, accounts, func(int) int { return px.Port() })
	ca, err := testimap.DefaultCA()
	if err != nil {
		b.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	writeCAFile(b, caFile, ca)
	conf := &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"}

	check := func() error {
		cmd := exec.Command(os.Args[0], "check", "--concurrency", strconv.Itoa(concurrency), "--per-host", strconv.Itoa(concurrency),
			"--vault", vaultPath, "--identity", idPath)
		cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "SSL_CERT_FILE="+caFile)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("check: %v\n%s", err, out)
		}
		return nil
	}
	bareChild := func() error {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), fmt.Sprintf("IMAPVAULT_BENCH_BARE=%s,%s,%d,%d", px.Addr(), caFile, accounts, concurrency))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bare client: %v\n%s", err, out)
		}
		return nil
	}
	// Alternate them so load on the machine hits all alike; the fastest
	// run of each is the least disturbed by other work.
	timed := func(f func() error) time.Duration {
		t0 := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var inproc, bare, full time.Duration
	minBare, minFull := time.Duration(1<<62), time.Duration(1<<62)
	b.ResetTimer()
	for b.Loop() {
		inproc += timed(func() error { return bareRun(px.Addr(), conf, accounts, concurrency) })
		tb := timed(bareChild)
		tf := timed(check)
		bare, full = bare+tb, full+tf
		minBare, minFull = min(minBare, tb), min(minFull, tf)
	}
	b.ReportMetric(float64(inproc.Milliseconds())/float64(b.N), "bare-inproc-ms")
	b.ReportMetric(float64(bare.Milliseconds())/float64(b.N), "bare-ms")
	b.ReportMetric(float64(full.Milliseconds())/float64(b.N), "check-ms")
	b.ReportMetric(float64(full)/float64(bare), "ratio")
	b.ReportMetric(float64(minFull)/float64(minBare), "ratio-of-fastest")
	b.ReportMetric(float64(full)/float64(inproc), "ratio-to-inproc")
}

func writeCAFile(tb testing.TB, path string, ca *testimap.CA) {
	tb.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkCheck10k runs `imapvault check` as a child over 10,000 accounts
// spread over 20 in-process servers and reports its wall time, peak
// memory (max RSS) and the size of the vault it saved. Run it alone:
// go test ./cli -run XXX -bench Check10k -benchtime=1x
func BenchmarkCheck10k(b *testing.B) {
	const accounts, servers = 10000, 20
	srvs := make([]*testimap.Server, servers)
	for s := range srvs {
		users := map[string]string{}
		for i := s; i < accounts; i += servers {
			users["user-"+strconv.Itoa(i)] = "pw-" + strconv.Itoa(i)
		}
		srvs[s] = testimap.Start(b, testimap.Options{Users: users})
	}
	dir := b.TempDir()
	vaultPath, idPath := benchVault(b, dir, accounts, func(i int) int { return srvs[i%servers].Port() })
	before := fileSize(b, vaultPath)
	ca, err := testimap.DefaultCA()
	if err != nil {
		b.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.pem")
	writeCAFile(b, caFile, ca)
	var rss int64
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(os.Args[0], "check", "--json", "--concurrency", "32", "--per-host", "4",
			"--vault", vaultPath, "--identity", idPath)
		cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "SSL_CERT_FILE="+caFile)
		var errb strings.Builder
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("check: %v\n%s", err, errb.String())
		}
		if n := strings.Count(string(out), `"status": "ok"`); n != accounts {
			b.Fatalf("%d of %d checks ok", n, accounts)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = max(rss, ru.Maxrss) // KiB on Linux
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "wall-s")
	b.ReportMetric(float64(rss)/1024, "peak-rss-MiB")
	b.ReportMetric(float64(before)/1024, "vault-before-KiB")
	b.ReportMetric(float64(fileSize(b, vaultPath))/1024, "vault-after-KiB")
}

func fileSize(tb testing.TB, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}
