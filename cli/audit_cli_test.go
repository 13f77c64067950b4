package cli

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditExitCodesAndAccept(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("strong", "v9#Lq2!xTz8@Wm4$Rb7&kP")
	if r := s.run("", "audit", "--passphrase-file", s.passFile); r.code != 0 || !strings.Contains(r.stdout, "clean") {
		t.Fatalf("clean vault: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	s.add("old", "hunter2", "--changed", "2020-01-02")
	r := s.run("", "audit", "--json", "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("findings: exit %d, want 1\n%s", r.code, r.stderr)
	}
	var out struct {
		Findings []struct{ Account, Kind, Severity, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range out.Findings {
		kinds[f.Account+"/"+f.Kind] = true
	}
	if !kinds["old/stale"] || !kinds["old/weak"] || kinds["strong/weak"] {
		t.Errorf("findings = %v", kinds)
	}
	if r := s.run("", "audit", "--max-age", "100000d", "--passphrase-file", s.passFile); r.code != 2 {
		t.Errorf("absurd --max-age accepted: exit %d", r.code)
	}
	s.must("", "audit", "accept", "old", "weak", "--note", "legacy box", "--passphrase-file", s.passFile)
	s.must("", "audit", "accept", "old", "stale", "--passphrase-file", s.passFile)
	if r := s.run("", "audit", "--passphrase-file", s.passFile); r.code != 0 {
		t.Errorf("all accepted: exit %d\n%s", r.code, r.stdout)
	}
	if r := s.must("", "audit", "accepted", "--passphrase-file", s.passFile); !strings.Contains(r.stdout, "legacy box") {
		t.Errorf("accepted list: %s", r.stdout)
	}
	s.must("", "audit", "unaccept", "old", "weak", "--passphrase-file", s.passFile)
	if r := s.run("", "audit", "--passphrase-file", s.passFile); r.code != 1 || !strings.Contains(r.stdout, "weak") {
		t.Errorf("after unaccept: exit %d\n%s", r.code, r.stdout)
	}
}

func TestAuditBreachedFile(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("strong", "v9#Lq2!xTz8@Wm4$Rb7&kP")
	hit := fmt.Sprintf("%X", sha1.Sum([]byte("v9#Lq2!xTz8@Wm4$Rb7&kP")))
	lines := []string{"0000000000000000000000000000000000000001:5", hit + ":42", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:1"}
	file := filepath.Join(s.dir, "pwned.txt")
	os.WriteFile(file, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600)
	r := s.run("", "audit", "--json", "--breached", file, "--passphrase-file", s.passFile)
	if r.code != 1 || !strings.Contains(r.stdout, `"breached"`) || !strings.Contains(r.stdout, "42") {
		t.Errorf("breached: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, hit) {
		t.Error("output holds the password's hash")
	}
	os.WriteFile(file, []byte("FFFF:1\nnot a line\n"), 0o600)
	if r := s.run("", "audit", "--breached", file, "--passphrase-file", s.passFile); r.code != 2 || strings.Contains(r.stdout, "clean") {
		t.Errorf("malformed breach file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
