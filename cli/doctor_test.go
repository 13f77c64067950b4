package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// doctor over a temp HOME: a plaintext copy is found with its file, line
// and account and never printed; a clean home exits 0.
func TestDoctorCLI(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "Doctor-CLI-Sentinel-pw")
	home := filepath.Join(s.dir, "home")
	os.MkdirAll(home, 0o700)
	s.env = append(s.env, "HOME="+home, "PATH="+os.Getenv("PATH"))

	r := s.run("", "doctor", "--json", "--passphrase-file", s.passFile, "--crontab", filepath.Join(s.dir, "none"))
	if r.code != 0 || !strings.Contains(r.stdout, `"findings": []`) {
		t.Fatalf("clean home: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	msmtprc := filepath.Join(home, ".msmtprc")
	os.WriteFile(msmtprc, []byte("account work\nhost smtp.work.example\nuser u-work\npassword Doctor-CLI-Sentinel-pw\n"), 0o600)
	r = s.run("", "doctor", "--json", "--passphrase-file", s.passFile, "--crontab", filepath.Join(s.dir, "none"))
	if r.code != exitFound {
		t.Fatalf("a plaintext copy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var got struct {
		Findings []struct {
			Kind, Severity, File, Account, Message string
			Line                                   int
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if len(got.Findings) != 1 {
		t.Fatalf("findings = %+v", got.Findings)
	}
	f := got.Findings[0]
	if f.Kind != "plaintext_copy" || f.Severity != "high" || f.File != msmtprc || f.Line != 4 || f.Account != "work" {
		t.Fatalf("finding = %+v", f)
	}
	text := s.run("", "doctor", "--passphrase-file", s.passFile, "--crontab", filepath.Join(s.dir, "none"))
	if text.code != exitFound || !strings.Contains(text.stdout, "plaintext_copy ~/.msmtprc:4 [work]") {
		t.Fatalf("text: exit %d\n%s", text.code, text.stdout)
	}
	if strings.Contains(r.stdout+r.stderr+text.stdout+text.stderr, "Sentinel") {
		t.Fatal("doctor printed the password")
	}
}
