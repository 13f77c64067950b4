package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/nsstest"
)

// benchImport runs `imapvault import ARGS` in process into an empty vault
// (plain identity) b.N times: read, parse, decrypt, plan, encrypt, save.
func benchImport(b *testing.B, args ...string) {
	idPath, vpath, f := plainVault(b, b.TempDir())
	f.Close()
	empty, _ := os.ReadFile(vpath)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		os.WriteFile(vpath, empty, 0o600)
		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, tty: func() bool { return false }}
		b.StartTimer()
		if code := run(e, append([]string{"import", "--vault", vpath, "--identity", idPath}, args...)); code != 0 {
			b.Fatalf("import exit %d: %s", code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "summary: 1000 added") {
			b.Fatalf("import said %s", stdout.String())
		}
	}
}

// BenchmarkImportThunderbird1000: a 1,000-account profile made by real NSS,
// with a primary password.
func BenchmarkImportThunderbird1000(b *testing.B) {
	var servers []nsstest.Server
	for i := 0; i < 1000; i++ {
		servers = append(servers, nsstest.Server{ID: fmt.Sprintf("server%d", i+1), Name: fmt.Sprintf("acct%04d", i),
			Host: fmt.Sprintf("imap%d.example", i), User: fmt.Sprintf("user%d", i), Pass: fmt.Sprintf("pw-%d", i), SocketType: 3, Type: "imap"})
	}
	prof := nsstest.MakeProfile(b, "bench primary", false, servers)
	pf := filepath.Join(b.TempDir(), "primary")
	os.WriteFile(pf, []byte("bench primary\n"), 0o600)
	benchImport(b, "--from", "thunderbird", prof, "--primary-password-file", pf)
}

// BenchmarkImportKeePassXC1000: a 1,000-entry KeePassXC CSV export.
func BenchmarkImportKeePassXC1000(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`"Group","Title","Username","Password","URL","Notes","TOTP","Icon","Last Modified","Created"` + "\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "\"Mail\",\"acct%04d\",\"user%d\",\"pw-%d\",\"imaps://imap%d.example\",\"\",\"\",\"0\",\"2024-01-01T00:00:00Z\",\"2024-01-01T00:00:00Z\"\n", i, i, i, i)
	}
	p := filepath.Join(b.TempDir(), "export.csv")
	os.WriteFile(p, []byte(sb.String()), 0o600)
	benchImport(b, "--from", "keepassxc", p)
}
