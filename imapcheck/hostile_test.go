package imapcheck_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
)

// A flooding server must cost a check neither memory nor the whole timeout.
// The check runs in a child process (this test binary again), so that its
// peak RSS (VmHWM) is the check's alone and not the server's or other tests'.
func TestFloodBoundsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends up to 1 MiB per mode")
	}
	ca, err := testimap.DefaultCA()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range testimap.FloodModes {
		for _, sec := range []imapcheck.Security{imapcheck.TLS, imapcheck.Insecure} {
			t.Run(string(mode)+"/"+string(sec), func(t *testing.T) {
				m := testimap.ImplicitTLS
				if sec == imapcheck.Insecure {
					m = testimap.Plain
				}
				s := testimap.Start(t, testimap.Options{Mode: m, Hostile: mode, Users: map[string]string{user: pw}})
				cmd := exec.Command(os.Args[0], "-test.run=^TestFloodChild$", "-test.v")
				cmd.Env = append(os.Environ(),
					"IMAPCHECK_FLOOD_CHILD="+s.Addr(),
					"IMAPCHECK_FLOOD_SECURITY="+string(sec),
					"IMAPCHECK_FLOOD_CA="+base64.StdEncoding.EncodeToString(ca.Cert.Raw))
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("child: %v\n%s", err, out)
				}
				var got struct {
					Result imapcheck.Result
					HWMkB  int
				}
				line := lineWith(string(out), "FLOODRESULT ")
				if line == "" {
					t.Fatalf("child printed no result:\n%s", out)
				}
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatal(err)
				}
				r := got.Result
				t.Logf("%s: status %s, %q, peak RSS %d kB", mode, r.Status, r.Message, got.HWMkB)
				if r.Status != imapcheck.StatusProtocolError {
					t.Errorf("status = %s (%s), want protocol_error", r.Status, r.Message)
				}
				if !strings.Contains(r.Message, "server sent more than 1 MiB") &&
					!(mode == testimap.FloodGreeting && strings.Contains(r.Message, "longer than")) {
					t.Errorf("message = %q, want the byte budget named", r.Message)
				}
				if got.HWMkB <= 0 || got.HWMkB > 64<<10 {
					t.Errorf("peak RSS of the check = %d kB, want under 64 MB", got.HWMkB)
				}
				if n := resultSize(r); n > 4<<10 {
					t.Errorf("result holds %d bytes of text, want a few KB at most", n)
				}
			})
		}
	}
}

// TestFloodChild is the child side of TestFloodBoundsMemory.
func TestFloodChild(t *testing.T) {
	addr := os.Getenv("IMAPCHECK_FLOOD_CHILD")
	if addr == "" {
		t.Skip("runs as a child of TestFloodBoundsMemory")
	}
	host, port, _ := strings.Cut(addr, ":")
	p, _ := strconv.Atoi(port)
	der, _ := base64.StdEncoding.DecodeString(os.Getenv("IMAPCHECK_FLOOD_CA"))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r := imapcheck.Check(ctx, imapcheck.Target{Name: "flood", Host: host, Port: p,
		Security: imapcheck.Security(os.Getenv("IMAPCHECK_FLOOD_SECURITY")),
		Username: user, Password: pw, TLSConfig: &tls.Config{RootCAs: pool}})
	b, _ := json.Marshal(struct {
		Result imapcheck.Result
		HWMkB  int
	}{r, vmHWM(t)})
	fmt.Printf("\nFLOODRESULT %s\n", b)
}

func vmHWM(t *testing.T) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatalf("peak RSS needs /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

func lineWith(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			return v
		}
	}
	return ""
}

func resultSize(r imapcheck.Result) int {
	n := len(r.Message) + len(r.Alert) + len(r.Greeting) + len(r.Code) + len(r.Name)
	for _, c := range r.Capabilities {
		n += len(c)
	}
	if r.TLS != nil {
		n += len(r.TLS.Subject) + len(r.TLS.Issuer) + len(r.TLS.VerifyError)
	}
	return n
}

// Hostile words reach the Result exactly (the CLI sanitizes on output and
// --json shows them as sent), but capped.
func TestHostileWordsKeptCapped(t *testing.T) {
	for _, mode := range testimap.HostileModes {
		t.Run(string(mode), func(t *testing.T) {
			m, sec := testimap.ImplicitTLS, imapcheck.TLS
			if mode == testimap.HostileStartTLS {
				m, sec = testimap.STARTTLS, imapcheck.STARTTLS
			}
			s := testimap.Start(t, testimap.Options{Mode: m, Hostile: mode, Users: map[string]string{user: pw}})
			r := imapcheck.Check(context.Background(), target(s, sec, pw))
			all := r.Message + r.Alert + r.Greeting
			if r.TLS != nil {
				all += r.TLS.Subject
			}
			if !strings.Contains(all, "\x1b]") {
				t.Errorf("the server's words were lost: %+v", r)
			}
			if mode == testimap.HostileGreeting && r.Status != imapcheck.StatusOK {
				t.Errorf("status = %s (%s), want ok", r.Status, r.Message)
			}
			if mode != testimap.HostileGreeting && r.OK() {
				t.Errorf("status ok, want a failure")
			}
			if n := resultSize(r); n > 4<<10 {
				t.Errorf("result holds %d bytes, want a few KB", n)
			}
		})
	}
}
