package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// The sentinel password must appear in no command output and in no file
// on disk (the vault holds it only as ciphertext).
func TestSentinelPasswordNeverLeaks(t *testing.T) {
	const sentinel = "SENTINEL-cli-7d41a9"
	s := newSandbox(t)
	trustTestCA(t, s)
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"alice": sentinel, "bob": "other"}})
	s.init()
	port := strconv.Itoa(srv.Port())
	var outputs []result
	outputs = append(outputs, s.must(sentinel+"\n", "add", "--name", "good", "--host", "127.0.0.1", "--port", port, "--user", "alice", "--password-stdin", "--passphrase-file", s.passFile))
	// bob's server gets the sentinel as a wrong password: errors must not echo it.
	outputs = append(outputs, s.must(sentinel+"\n", "add", "--name", "wrong", "--host", "127.0.0.1", "--port", port, "--user", "bob", "--password-stdin", "--passphrase-file", s.passFile))
	csv := filepath.Join(s.dir, "in.csv")
	os.WriteFile(csv, []byte("name,host,username,password\nimported,127.0.0.1,carol,"+sentinel+"\nbadrow,h,u\n"), 0o600)
	outputs = append(outputs, s.run("", "import", csv, "--passphrase-file", s.passFile)) // fails: ragged row
	os.WriteFile(csv, []byte("name,host,username,password\nimported,127.0.0.1,carol,"+sentinel+"\n"), 0o600)
	outputs = append(outputs, s.must("", "import", csv, "--passphrase-file", s.passFile))
	os.Remove(csv) // the one file that legitimately held it
	for _, args := range [][]string{
		{"list"}, {"list", "--json"},
		{"check", "--timeout", "3s"}, {"check", "--json", "--timeout", "3s"},
		{"audit"}, {"audit", "--json"}, {"audit", "--all"},
	} {
		outputs = append(outputs, s.run("", append(args, "--passphrase-file", s.passFile)...))
	}
	for i, r := range outputs {
		if strings.Contains(r.stdout+r.stderr, sentinel) {
			t.Errorf("output %d contains the sentinel:\n%s\n%s", i, r.stdout, r.stderr)
		}
	}
	if !strings.Contains(outputs[len(outputs)-2].stdout, "reused") {
		t.Errorf("audit should flag the reused sentinel; got %s", outputs[len(outputs)-2].stdout)
	}
	filepath.Walk(s.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(sentinel)) {
			t.Errorf("%s contains the sentinel in plaintext", p)
		}
		return nil
	})
}
