package cli

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
)

// A child started with IMAPVAULT_TEST_PROM_HANG=1 stops forever halfway
// through writing the metrics file, for the test to kill it there.
func init() {
	if os.Getenv("IMAPVAULT_TEST_PROM_HANG") == "1" {
		promMidWrite = func() { select {} }
	}
}

const promSentinel = "Sentinel-pw-7Qz9-never-in-metrics"

// promVault is a sandbox with a good account, a failing one and one whose
// name needs escaping in a label.
func promVault(t *testing.T) (*sandbox, *testimap.Server) {
	s := newSandbox(t)
	trustTestCA(t, s)
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": promSentinel, "bob": "bob-pw"}})
	s.init()
	s.addAt("good", srv, "alice", promSentinel)
	s.addAt("bad", srv, "bob", "wrong-"+promSentinel)
	s.addAt("we\"ird\\name x", srv, "bob", "bob-pw") // names can no longer hold a newline
	return s, srv
}

// TestCheckPrometheus: the file passes promtool, a real node_exporter serves
// its series, and no secret is in it.
func TestCheckPrometheus(t *testing.T) {
	promtool := testimap.LookBin(t, "promtool", "prometheus")
	exporter := testimap.LookBin(t, "prometheus-node-exporter", "prometheus-node-exporter")
	s, srv := promVault(t)
	dir := filepath.Join(s.dir, "textfile")
	os.Mkdir(dir, 0o755)
	prom := filepath.Join(dir, "imapvault.prom")
	r := s.run("", "check", "--prometheus", prom, "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("check exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	text := string(readFile(t, prom))
	if strings.Contains(text, promSentinel) || strings.Contains(r.stdout+r.stderr, promSentinel) {
		t.Fatal("a password reached the metrics or the output")
	}
	if st, _ := os.Stat(prom); st.Mode().Perm() != 0o644 {
		t.Errorf("metrics file mode %v, want 0644 (node_exporter runs as another user)", st.Mode().Perm())
	}
	promtoolCheck(t, promtool, prom)
	want := []string{
		`imapvault_login_ok{account="good",host="127.0.0.1",status="ok"} 1`,
		`imapvault_login_ok{account="bad",host="127.0.0.1",status="auth_failed"} 0`,
		`imapvault_login_ok{account="we\"ird\\name x",host="127.0.0.1",status="ok"} 1`,
		`imapvault_login_duration_seconds{account="good"} `,
		`imapvault_last_success_timestamp_seconds{account="good"} `,
		`imapvault_tls_cert_expiry_timestamp_seconds{account="good",host="127.0.0.1"} `,
		`imapvault_password_age_seconds{account="bad"} `,
		`imapvault_audit_findings{kind="login_failed",severity="high"} 1`,
		`imapvault_check_timestamp_seconds `,
		"# TYPE imapvault_login_ok gauge",
		"# HELP imapvault_login_ok ",
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("metrics lack %q", w)
		}
	}
	if strings.Contains(text, `imapvault_last_success_timestamp_seconds{account="bad"}`) {
		t.Error("a never-successful account has a last success time")
	}
	// good's password stops working: it fails now, and its last success
	// is still the first check's.
	okAt := promValue(t, text, `imapvault_last_success_timestamp_seconds{account="good"}`)
	srv.SetPassword("alice", "changed-elsewhere")
	s.run("", "check", "--prometheus", prom, "--passphrase-file", s.passFile)
	text = string(readFile(t, prom))
	if !strings.Contains(text, `imapvault_login_ok{account="good",host="127.0.0.1",status="auth_failed"} 0`) {
		t.Errorf("good does not fail after its password changed:\n%s", grepLines(text, "login_ok"))
	}
	if got := promValue(t, text, `imapvault_last_success_timestamp_seconds{account="good"}`); got != okAt {
		t.Errorf("good's last success %s after a failure, want the first check's %s", got, okAt)
	}
	promtoolCheck(t, promtool, prom)
	scrape := startExporter(t, exporter, dir)
	body := scrape()
	for _, w := range []string{
		`imapvault_login_ok{account="good",host="127.0.0.1",status="auth_failed"} 0`,
		`imapvault_login_ok{account="bad",host="127.0.0.1",status="auth_failed"} 0`,
		`imapvault_login_ok{account="we\"ird\\name x",host="127.0.0.1",status="ok"} 1`,
		`imapvault_last_success_timestamp_seconds{account="good"} `,
	} {
		if !strings.Contains(body, w) {
			t.Errorf("node_exporter does not serve %q", w)
		}
	}
	if !strings.Contains(body, "node_textfile_scrape_error 0") {
		t.Errorf("node_exporter reports a textfile error:\n%s", grepLines(body, "textfile"))
	}
}

// TestCheckPrometheusKilledWrite kills check halfway through writing the
// metrics: the exporter's folder still holds the previous, whole file.
func TestCheckPrometheusKilledWrite(t *testing.T) {
	promtool := testimap.LookBin(t, "promtool", "prometheus")
	exporter := testimap.LookBin(t, "prometheus-node-exporter", "prometheus-node-exporter")
	s, _ := promVault(t)
	dir := filepath.Join(s.dir, "textfile")
	os.Mkdir(dir, 0o755)
	prom := filepath.Join(dir, "imapvault.prom")
	s.run("", "check", "--prometheus", prom, "--passphrase-file", s.passFile)
	before := readFile(t, prom)

	cmd := s.command("check", "--prometheus", prom, "--passphrase-file", s.passFile)
	cmd.Env = append(cmd.Env, "IMAPVAULT_TEST_PROM_HANG=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var tmp string
	testwait.Until(time.Now().Add(testwait.Patience), func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, ".imapvault.prom.tmp-*"))
		if len(m) == 1 {
			if st, err := os.Stat(m[0]); err == nil && st.Size() > 0 {
				tmp = m[0]
			}
		}
		return tmp != ""
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if tmp == "" {
		t.Fatal("the child never got halfway through writing the metrics")
	}
	if after := readFile(t, prom); !bytes.Equal(before, after) {
		t.Fatal("a killed write changed the metrics file")
	}
	half := readFile(t, tmp)
	if bytes.HasSuffix(half, []byte("imapvault_check_timestamp_seconds")) || len(half) >= len(before) {
		t.Fatalf("the temp file does not look half-written (%d of %d bytes)", len(half), len(before))
	}
	promtoolCheck(t, promtool, prom)
	body := startExporter(t, exporter, dir)()
	if !strings.Contains(body, "node_textfile_scrape_error 0") || !strings.Contains(body, `imapvault_login_ok{account="good"`) {
		t.Errorf("after a killed write node_exporter serves:\n%s", grepLines(body, "textfile", "imapvault_login_ok"))
	}

	// The next write succeeds and sweeps nothing it shouldn't.
	r := s.run("", "check", "--prometheus", prom, "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("check after the kill: exit %d %s", r.code, r.stderr)
	}
	promtoolCheck(t, promtool, prom)
}

// promValue is the value of the series that starts with prefix.
func promValue(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, prefix+" "); ok {
			return v
		}
	}
	t.Fatalf("no series %s", prefix)
	return ""
}

// command is the child process of s.run, not yet started.
func (s *sandbox) command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(),
		"IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_SCRYPT=1",
		"IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity,
		"XDG_DATA_HOME="+filepath.Join(s.dir, "xdg-data"), "XDG_CONFIG_HOME="+filepath.Join(s.dir, "xdg-config"),
	)
	return cmd
}

func promtoolCheck(t *testing.T, promtool, file string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = f
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// startExporter runs node_exporter with only the textfile collector on a
// free loopback port and returns a function that scrapes /metrics.
func startExporter(t *testing.T, bin, dir string) func() string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--web.listen-address="+addr, "--collector.disable-defaults",
		"--collector.textfile", "--collector.textfile.directory="+dir)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		testimap.Missing(t, "prometheus-node-exporter", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := "http://" + addr + "/metrics"
	return func() string {
		var body string
		var err error
		if !testwait.Until(time.Now().Add(testwait.Patience), func() bool {
			var resp *http.Response
			if resp, err = http.Get(url); err != nil {
				return false
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %s", resp.Status)
				return false
			}
			body = string(b)
			return true
		}) {
			t.Fatalf("node_exporter on %s: %v\n%s", addr, err, logs.String())
		}
		return body
	}
}

func grepLines(s string, words ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(l, w) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// Label values escape what the exposition format requires; a newline can
// reach one only from an old vault, since names are validated now.
func TestPromEscape(t *testing.T) {
	for in, want := range map[string]string{`plain`: `plain`, `a"b`: `a\"b`, `a\b`: `a\\b`, "a\nb": `a\nb`, "bad\xffutf8": "bad\uFFFDutf8"} {
		if got := promEscape(in); got != want {
			t.Errorf("promEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
