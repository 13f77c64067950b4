package posture

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// testsslRow is one line of testssl.sh's flat JSON.
type testsslRow struct {
	ID      string `json:"id"`
	Finding string `json:"finding"`
}

// testsslProtocols runs testssl.sh's protocol checks (only those: it is
// slow) on addr and returns which of TLS 1.0 and 1.1 it found offered.
func testsslProtocols(t *testing.T, bin, openssl, addr string) map[string]bool {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "testssl.json")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--quiet", "--color", "0", "--warnings", "off", "--nodns", "none",
		"--openssl", openssl, "--connect-timeout", "10", "--openssl-timeout", "10",
		"--protocols", "--jsonfile", out, addr)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=dumb"}
	log, err := cmd.CombinedOutput()
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatalf("testssl.sh wrote no JSON (%v, %v): %s", err, rerr, log)
	}
	var rows []testsslRow
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatalf("testssl.sh JSON: %v: %s", err, b)
	}
	got := map[string]bool{}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.ID == "TLS1" || r.ID == "TLS1_1" {
			seen[r.ID] = true
			got[r.ID] = strings.HasPrefix(r.Finding, "offered")
		}
	}
	if !seen["TLS1"] || !seen["TLS1_1"] {
		t.Fatalf("testssl.sh has no TLS1/TLS1_1 rows: %s\n%s", b, log)
	}
	return got
}

// TestOldTLSAgreesWithTestssl: testssl.sh is the reference for which old
// TLS versions an endpoint takes; our old_tls must name the same.
func TestOldTLSAgreesWithTestssl(t *testing.T) {
	bin := testimap.LookBin(t, "testssl", "testssl.sh")
	openssl := testimap.LookBin(t, "openssl", "openssl")
	for _, c := range []struct {
		name string
		d    *testimap.Dovecot
	}{{"weak", weakDovecot(t)}, {"strong", strongDovecot(t)}} {
		ep := Endpoint{Proto: IMAP, Host: c.d.Host(), Port: c.d.ImplicitPort(), Security: vault.TLS}
		r := New(testOptions(&tls.Config{RootCAs: c.d.RootCAs()})).Probe(context.Background(), []Endpoint{ep})[0]
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		ours := map[string]bool{}
		for _, f := range r.Findings {
			if f.Kind == OldTLS {
				ours["TLS1"] = strings.Contains(f.Message, "TLS 1.0")
				ours["TLS1_1"] = strings.Contains(f.Message, "TLS 1.1")
			}
		}
		ref := testsslProtocols(t, bin, openssl, ep.Addr())
		for _, id := range []string{"TLS1", "TLS1_1"} {
			if ours[id] != ref[id] {
				t.Errorf("%s %s: testssl.sh says offered=%v, old_tls says %v (%v)", c.name, id, ref[id], ours[id], r.Findings)
			}
		}
		if c.name == "weak" && !(ref["TLS1"] && ref["TLS1_1"]) {
			t.Errorf("the weak Dovecot should take TLS 1.0 and 1.1: %v", ref)
		}
		t.Logf("%s: testssl.sh %v, old_tls %v", c.name, ref, ours)
	}
}
