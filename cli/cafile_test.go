package cli

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testsmtp"
)

// writeTestCA writes the tests' CA as a PEM file, and makes sure the
// system roots (SSL_CERT_FILE unset) do not hold it.
func writeTestCA(t *testing.T, s *sandbox) string {
	t.Helper()
	t.Setenv("SSL_CERT_FILE", "")
	t.Setenv("SSL_CERT_DIR", "")
	ca, err := testimap.DefaultCA()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.dir, "private-ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// --ca-file: a private CA trusted for one account's IMAP and SMTP check,
// its posture probe and its rotation's verification; without it the same
// servers are refused with a hint naming --ca-file; a bad file is refused
// at add and edit, and one gone later is named by check.
func TestCAFile(t *testing.T) {
	s := newSandbox(t)
	caPath := writeTestCA(t, s)
	d := testimap.StartDovecotWith(t, testimap.DovecotOptions{Users: map[string]string{"u": "first-pw-4k2m"},
		CipherList: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305"})
	smtp := testsmtp.Start(t, testsmtp.Options{Users: map[string]string{"u": "first-pw-4k2m"}})
	s.init()
	pf := "--passphrase-file"
	add := []string{"add", "--name", "own", "--host", d.Host(), "--port", strconv.Itoa(d.ImplicitPort()), "--user", "u",
		"--password-stdin", "--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(smtp.Port()), "--smtp-security", "tls", pf, s.passFile}

	// Refused at add: each names the file's fault, and nothing is saved.
	_, keyPEM, _ := mustCA(t).IssuePEM(testimap.CertSpec{})
	keyOnly := filepath.Join(s.dir, "key.pem")
	os.WriteFile(keyOnly, keyPEM, 0o600)
	for file, want := range map[string]string{keyOnly: "no PEM certificate", s.dir: "not a regular file", caPath + ".gone": "no such file"} {
		r := s.run("first-pw-4k2m\n", append(add, "--ca-file", file)...)
		if r.code != 2 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "hint:") {
			t.Errorf("--ca-file %s: exit %d, want 2 and %q\n%s", file, r.code, want, r.stderr)
		}
	}
	if out := s.must("", "list", pf, s.passFile).stdout; strings.Contains(out, "own") {
		t.Fatalf("a refused add saved the account:\n%s", out)
	}

	// A relative path is stored absolute.
	rel, err := filepath.Rel(mustWd(t), caPath)
	if err != nil {
		t.Fatal(err)
	}
	s.must("first-pw-4k2m\n", append(add, "--ca-file", rel)...)
	r := s.run("", "check", "--json", "--posture", pf, s.passFile)
	var items []struct {
		Status, Error string
		SMTP          *struct{ Status, Error string }
		Posture       *[]struct{ Kind, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil || len(items) != 1 {
		t.Fatalf("check: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	it := items[0]
	if r.code != 0 || it.Status != "ok" || it.SMTP == nil || it.SMTP.Status != "ok" || it.Posture == nil || len(*it.Posture) != 0 {
		t.Fatalf("with the CA file: exit %d, %+v smtp %+v posture %+v\n%s", r.code, it, it.SMTP, it.Posture, r.stderr)
	}

	// Rotation: the provider's new password, verified through the CA file.
	if err := d.SetPassword("u", "second-pw-8h3q"); err != nil {
		t.Fatal(err)
	}
	smtp.SetPassword("u", "second-pw-8h3q")
	if r := s.run("second-pw-8h3q\n", "rotate", "own", "--new-password-stdin", pf, s.passFile); r.code != 0 {
		t.Fatalf("rotate through the CA file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Without it: refused, and the hint names the way.
	s.must("", "edit", "own", "--ca-file", "-", pf, s.passFile)
	items = nil
	r = s.run("", "check", "--json", "--posture", pf, s.passFile)
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil || len(items) != 1 {
		t.Fatalf("check: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	it = items[0]
	if r.code != 1 || it.Status != "tls_error" || !strings.Contains(it.Error, "--ca-file") || it.SMTP == nil || it.SMTP.Status != "tls_error" {
		t.Errorf("without the CA file: exit %d, %+v smtp %+v", r.code, it, it.SMTP)
	}
	chain := false
	if it.Posture != nil {
		for _, f := range *it.Posture {
			chain = chain || (f.Kind == "cert_chain" && strings.Contains(f.Message, "--ca-file"))
		}
	}
	if !chain {
		t.Errorf("posture without the CA file has no cert_chain naming --ca-file: %+v", it.Posture)
	}

	// edit takes it back; a file gone later is named by check.
	moved := filepath.Join(s.dir, "moved.pem")
	os.Rename(caPath, moved)
	if r := s.run("", "edit", "own", "--ca-file", caPath, pf, s.passFile); r.code != 2 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("edit --ca-file of a missing file: exit %d\n%s", r.code, r.stderr)
	}
	s.must("", "edit", "own", "--ca-file", moved, pf, s.passFile)
	os.Remove(moved)
	r = s.run("", "check", pf, s.passFile)
	if r.code != 1 || !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, moved) {
		t.Errorf("check with the CA file gone: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func mustCA(t *testing.T) *testimap.CA {
	t.Helper()
	ca, err := testimap.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func mustWd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
