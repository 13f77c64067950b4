//go:build unix

package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
	"github.com/imapvault/imapvault/vault"
)

// bareSMTPLogin is the least an SMTP login can do: TCP, TLS, greeting,
// EHLO, AUTH PLAIN with an initial response, close. No envelope, no QUIT.
func bareSMTPLogin(addr string, conf *tls.Config, user, pw string) error {
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
	r := textproto.NewReader(bufio.NewReader(tc))
	if _, _, err := r.ReadResponse(220); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	if _, err := fmt.Fprintf(tc, "EHLO localhost\r\n"); err != nil {
		return err
	}
	if _, _, err := r.ReadResponse(250); err != nil {
		return fmt.Errorf("ehlo: %w", err)
	}
	ir := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pw))
	if _, err := fmt.Fprintf(tc, "AUTH PLAIN %s\r\n", ir); err != nil {
		return err
	}
	_, _, err = r.ReadResponse(235)
	return err
}

// bareBothRun logs in to IMAP then SMTP for n accounts, conc at a time.
func bareBothRun(imapAddr, smtpAddr string, conf *tls.Config, n, conc int) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			u, p := "user-"+strconv.Itoa(i), "pw-"+strconv.Itoa(i)
			if err := bareLogin(imapAddr, conf, u, p); err != nil {
				errs <- err
				return
			}
			if err := bareSMTPLogin(smtpAddr, conf, u, p); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// A child started with IMAPVAULT_BENCH_BARE_SMTP=imap,smtp,cafile,n,conc is
// the bare IMAP+SMTP client as a program of its own.
func init() {
	spec := os.Getenv("IMAPVAULT_BENCH_BARE_SMTP")
	if spec == "" {
		return
	}
	f := strings.Split(spec, ",")
	pemData, err := os.ReadFile(f[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	n, _ := strconv.Atoi(f[3])
	conc, _ := strconv.Atoi(f[4])
	if err := bareBothRun(f[0], f[1], &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, n, conc); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// BenchmarkCheckSMTPVsBareClient is BenchmarkCheckVsBareClient with an SMTP
// endpoint on every account: `imapvault check` (IMAP login, then AUTH, MAIL
// FROM, RCPT TO, RSET on SMTP, in one slot) against a bare client that
// logs in to IMAP then SMTP and nothing more, both behind 40 ms round-trip
// proxies, 48 accounts at concurrency 16. Goal: ratio <= 1.15.
func BenchmarkCheckSMTPVsBareClient(b *testing.B) {
	const (
		accounts    = 48
		concurrency = 16
		rtt         = 40 * time.Millisecond
	)
	users := map[string]string{}
	for i := range accounts {
		users["user-"+strconv.Itoa(i)] = "pw-" + strconv.Itoa(i)
	}
	imapSrv := testimap.Start(b, testimap.Options{Users: users})
	smtpSrv := testsmtp.Start(b, testsmtp.Options{Users: users})
	ipx := testimap.Proxy(b, imapSrv.Addr(), rtt)
	spx := testimap.Proxy(b, smtpSrv.Addr(), rtt)
	dir := b.TempDir()
	idPath, vaultPath, f := plainVault(b, dir)
	now := time.Now()
	for i := range accounts {
		a := &vault.Account{Name: fmt.Sprintf("acct-%05d", i), Host: "127.0.0.1", Port: ipx.Port(), Security: vault.TLS,
			Username: "user-" + strconv.Itoa(i), Password: "pw-" + strconv.Itoa(i), Changed: now,
			Address: fmt.Sprintf("user-%d@example.test", i), SMTP: &vault.Endpoint{Host: "127.0.0.1", Port: spx.Port(), Security: vault.TLS}}
		if err := f.Vault.Add(a, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
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
		cmd.Env = append(os.Environ(), fmt.Sprintf("IMAPVAULT_BENCH_BARE_SMTP=%s,%s,%s,%d,%d", ipx.Addr(), spx.Addr(), caFile, accounts, concurrency))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bare client: %v\n%s", err, out)
		}
		return nil
	}
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
		inproc += timed(func() error { return bareBothRun(ipx.Addr(), spx.Addr(), conf, accounts, concurrency) })
		tb := timed(bareChild)
		tf := timed(check)
		bare, full = bare+tb, full+tf
		minBare, minFull = min(minBare, tb), min(minFull, tf)
	}
	if smtpSrv.Datas() != 0 {
		b.Fatal("a check sent DATA")
	}
	b.ReportMetric(float64(inproc.Milliseconds())/float64(b.N), "bare-inproc-ms")
	b.ReportMetric(float64(bare.Milliseconds())/float64(b.N), "bare-ms")
	b.ReportMetric(float64(full.Milliseconds())/float64(b.N), "check-ms")
	b.ReportMetric(float64(full)/float64(bare), "ratio")
	b.ReportMetric(float64(minFull)/float64(minBare), "ratio-of-fastest")
	b.ReportMetric(float64(full)/float64(inproc), "ratio-to-inproc")
}
