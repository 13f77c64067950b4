package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

func TestInitAddListJSON(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "pw-work", "--port", "1993", "--changed", "2024-03-01")
	s.add("home", "pw-home", "--security", "starttls")

	r := s.must("", "list", "--json", "--passphrase-file", s.passFile)
	var items []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("list --json is not JSON: %v\n%s", err, r.stdout)
	}
	if len(items) != 2 {
		t.Fatalf("got %d items, want 2", len(items))
	}
	want := map[string]any{"name": "home", "host": "imap.home.example", "port": 143.0, "security": "starttls", "username": "u-home"}
	for k, v := range want {
		if items[0][k] != v {
			t.Errorf("home.%s = %v, want %v", k, items[0][k], v)
		}
	}
	if items[1]["port"] != 1993.0 || items[1]["changed"] != "2024-03-01" {
		t.Errorf("work = %v", items[1])
	}
	var keys []string
	for k := range items[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got := strings.Join(keys, ","); got != "changed,host,name,port,security,username" {
		t.Errorf("keys before any check = %s", got)
	}
	if strings.Contains(r.stdout, "pw-") {
		t.Error("list --json printed a password")
	}
	text := s.must("", "list", "--passphrase-file", s.passFile).stdout
	if !strings.Contains(text, "u-work@imap.work.example:1993") || strings.Contains(text, "pw-") {
		t.Errorf("list text:\n%s", text)
	}
}

func TestFilesArePrivate(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "pw")
	s.add("other", "pw2")
	for _, p := range []string{s.vault, s.identity, filepath.Dir(s.vault), filepath.Dir(s.identity)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if fi.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

func TestStockAgeDecryptsVault(t *testing.T) {
	agebin := stockAge(t)
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	s.must("secret-one\n", "add", "--name", "work", "--host", "h", "--user", "u", "--password-stdin")
	out, err := exec.Command(agebin, "-d", "-i", s.identity, s.vault).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	var v struct {
		Version  int
		Accounts []struct{ Name, Password string }
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("age output is not the vault JSON: %v", err)
	}
	if v.Version != 1 || len(v.Accounts) != 1 || v.Accounts[0].Password != "secret-one" {
		t.Fatalf("decrypted vault = %+v", v)
	}
}

func TestOpenFailuresLeaveFileUntouched(t *testing.T) {
	cases := []struct {
		name    string
		mangle  func(t *testing.T, s *sandbox, b []byte) []byte
		pass    string
		message string
	}{
		{"wrong passphrase", nil, "not the passphrase", "wrong passphrase"},
		{"truncated", func(_ *testing.T, _ *sandbox, b []byte) []byte { return b[:len(b)-20] }, "", "corrupt"},
		{"truncated in header", func(_ *testing.T, _ *sandbox, b []byte) []byte { return b[:60] }, "", "corrupt"},
		{"flipped byte", func(_ *testing.T, _ *sandbox, b []byte) []byte {
			c := append([]byte(nil), b...)
			c[len(c)-40] ^= 0x01
			return c
		}, "", "corrupt"},
		{"wrong file type", func(_ *testing.T, _ *sandbox, _ []byte) []byte { return []byte("\x89PNG\r\n\x1a\nnot a vault") }, "", "not an age-encrypted file"},
		{"empty", func(_ *testing.T, _ *sandbox, _ []byte) []byte { return nil }, "", "empty"},
		{"future version", futureVersion, "", "newer than this imapvault"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.init()
			s.add("work", "pw")
			if tc.mangle != nil {
				b := tc.mangle(t, s, readFile(t, s.vault))
				if err := os.WriteFile(s.vault, b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			passFile := s.passFile
			if tc.pass != "" {
				passFile = filepath.Join(s.dir, "wrong")
				os.WriteFile(passFile, []byte(tc.pass), 0o600)
			}
			before := readFile(t, s.vault)
			entries := listDir(t, filepath.Dir(s.vault))
			for _, c := range []struct {
				stdin string
				args  []string
			}{
				{"", []string{"list", "--passphrase-file", passFile}},
				{"pw2\n", []string{"add", "--name", "x", "--host", "h", "--user", "u", "--password-stdin", "--passphrase-file", passFile}},
				{"name,host,username,password\nb,h,u,p\n", []string{"import", "-", "--passphrase-file", passFile}},
			} {
				args := c.args
				r := s.run(c.stdin, args...)
				if r.code != 2 {
					t.Errorf("%s: exit %d, want 2", args[0], r.code)
				}
				if !strings.Contains(r.stderr, "imapvault: error:") || !strings.Contains(r.stderr, tc.message) {
					t.Errorf("%s: stderr %q lacks %q", args[0], r.stderr, tc.message)
				}
				if !strings.Contains(r.stderr, "imapvault: hint:") {
					t.Errorf("%s: no hint in %q", args[0], r.stderr)
				}
			}
			if after := readFile(t, s.vault); string(after) != string(before) {
				t.Error("the vault file changed")
			}
			if got := listDir(t, filepath.Dir(s.vault)); got != entries {
				t.Errorf("files beside the vault changed:\n%s\nwant\n%s", got, entries)
			}
		})
	}
}

// futureVersion re-encrypts the vault with a payload version from the future.
func futureVersion(t *testing.T, s *sandbox, _ []byte) []byte {
	t.Helper()
	plain := decryptVault(t, s)
	plain = []byte(strings.Replace(string(plain), `"version":1`, `"version":2`, 1))
	return encryptTo(t, s, plain)
}

func listDir(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasSuffix(p, ".lock") {
			out = append(out, p+" "+fi.ModTime().Format(time.RFC3339Nano))
		}
		return nil
	})
	return strings.Join(out, "\n")
}

func TestSecondWriterIsToldWhoHoldsTheLock(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "pw")
	// The first add holds the lock while it waits for its password on stdin.
	first := exec.Command(os.Args[0], "add", "--name", "a", "--host", "h", "--user", "u", "--password-stdin", "--passphrase-file", s.passFile)
	first.Env = append(os.Environ(), "IMAPVAULT_BE_MAIN=1", "IMAPVAULT_TEST_SCRYPT=1", "IMAPVAULT_VAULT="+s.vault, "IMAPVAULT_IDENTITY="+s.identity)
	stdin, err := first.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	waitForPID(t, s.vault+".lock", first.Process.Pid)

	r := s.run("pw-b\n", "add", "--name", "b", "--host", "h", "--user", "u", "--password-stdin", "--passphrase-file", s.passFile)
	want := "is locked by pid " + itoa(first.Process.Pid)
	if r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Fatalf("second writer: exit %d, stderr %q; want exit 2 and %q", r.code, r.stderr, want)
	}
	stdin.Write([]byte("pw-a\n"))
	stdin.Close()
	if err := first.Wait(); err != nil {
		t.Fatalf("first writer: %v", err)
	}
	s.add("b", "pw-b") // the lock is free again
	out := s.must("", "list", "--json", "--passphrase-file", s.passFile).stdout
	for _, n := range []string{`"work"`, `"a"`, `"b"`} {
		if !strings.Contains(out, n) {
			t.Errorf("account %s lost: %s", n, out)
		}
	}
}

func waitForPID(t *testing.T, lockFile string, pid int) {
	t.Helper()
	testwait.For(t, fmt.Sprintf("pid %d to take the lock", pid), func() bool {
		b, _ := os.ReadFile(lockFile)
		return strings.TrimSpace(string(b)) == itoa(pid)
	})
}

// TestInitSaysWhatNext: init's next steps name the ways in a new user
// needs: add, import from the mail clients, and unlock for them.
func TestInitSaysWhatNext(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	r := s.must("", "init")
	for _, want := range []string{"imapvault add --name", "imapvault import --from", "imapvault unlock"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("init's output lacks %q:\n%s", want, r.stdout)
		}
	}
}
