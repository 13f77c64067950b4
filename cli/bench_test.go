package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/vault"
)

// BenchmarkImport10k measures `imapvault import` of a 10,000-row CSV into an
// empty vault, in process: parse, validate, encrypt and save.
func BenchmarkImport10k(b *testing.B) {
	dir := b.TempDir()
	idPath, vpath, f := plainVault(b, dir)
	f.Close()
	empty, _ := os.ReadFile(vpath)
	var csv strings.Builder
	csv.WriteString("name,host,port,security,username,password,changed\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&csv, "account-%05d,imap%d.example.com,993,tls,user%d@example.com,Pw-%d-Xq7!zK,2025-0%d-1%d\n", i, i%50, i, i, 1+i%9, i%10)
	}
	csvPath := filepath.Join(dir, "in.csv")
	os.WriteFile(csvPath, []byte(csv.String()), 0o600)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		os.WriteFile(vpath, empty, 0o600)
		var stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }, tty: func() bool { return false }}
		b.StartTimer()
		if code := run(e, []string{"import", csvPath, "--vault", vpath, "--identity", idPath}); code != 0 {
			b.Fatalf("import exit %d: %s", code, stderr.String())
		}
	}
}

// BenchmarkAuditProcess10k is `imapvault audit --json` as a whole process
// on 10,000 accounts of the realistic mix (a third human-chosen passwords):
// "cold" is the first audit (every password scored, on every core, then
// the scores kept in the vault), "warm" every later one (scores looked up).
func BenchmarkAuditProcess10k(b *testing.B) {
	idPath, vpath, f := plainVault(b, b.TempDir())
	recipients := f.Vault.Recipients
	f.Vault = testvault.Realistic(10_000, time.Now())
	f.Vault.Recipients = recipients
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	unscored, _ := os.ReadFile(vpath)
	audit := func(b *testing.B) {
		cmd := exec.Command(os.Args[0], "audit", "--json", "--vault", vpath, "--identity", idPath)
		cmd.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1")
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !bytes.Contains(out, []byte(`"weak"`)) {
			b.Fatalf("audit: %v (want exit 1 with weak findings)", err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			os.WriteFile(vpath, unscored, 0o600)
			b.StartTimer()
			audit(b)
		}
	})
	b.Run("warm", func(b *testing.B) {
		audit(b) // scores kept
		for b.Loop() {
			audit(b)
		}
	})
}

// plainVault creates a vault in dir opened by a new plain identity (no
// scrypt in the measurements) and returns the identity and vault paths and
// the open file (Close it, or Save and Close).
func plainVault(tb testing.TB, dir string) (idPath, vpath string, f *vault.File) {
	k, err := age.GenerateX25519Identity()
	if err != nil {
		tb.Fatal(err)
	}
	idPath = filepath.Join(dir, "id.txt")
	os.WriteFile(idPath, []byte(k.String()+"\n"), 0o600)
	id, err := vault.LoadIdentity(idPath, nil)
	if err != nil {
		tb.Fatal(err)
	}
	vpath = filepath.Join(dir, "vault.age")
	if f, err = vault.Create(vpath, id, time.Now()); err != nil {
		tb.Fatal(err)
	}
	return idPath, vpath, f
}
