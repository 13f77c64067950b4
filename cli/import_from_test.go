package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const importSentinel = "S3ntinel-import-pw-7f3a"

// writeImport writes a source file into the sandbox.
func (s *sandbox) writeImport(name, body string) string {
	s.t.Helper()
	p := filepath.Join(s.dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return p
}

func (s *sandbox) listJSON() []map[string]any {
	s.t.Helper()
	var out []map[string]any
	r := s.must("", "list", "--json", "--passphrase-file", s.passFile)
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		s.t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	return out
}

func TestImportFromDryRunSecondRunAndUpdate(t *testing.T) {
	s := newSandbox(t)
	s.init()
	kp := s.writeImport("kp.csv", `"Group","Title","Username","Password","URL","Notes"
"Mail","Work","jane","`+importSentinel+`-1","imaps://imap.work.example",""
"Mail","Home","bob","`+importSentinel+`-2","imap://mail.home.example:143",""
"Web","Bank","x","`+importSentinel+`-3","https://bank.example",""
`)
	before := readFile(t, s.vault)
	r := s.must("", "import", "--from", "keepassxc", kp, "--dry-run", "--passphrase-file", s.passFile)
	if string(readFile(t, s.vault)) != string(before) {
		t.Fatal("--dry-run changed the vault")
	}
	if !strings.Contains(r.stdout, "would add") || !strings.Contains(r.stdout, "summary: 2 added, 0 updated, 1 skipped, 0 passwords missing (dry run: nothing written)") {
		t.Errorf("dry run said:\n%s", r.stdout)
	}
	r = s.must("", "import", "--from", "keepassxc", kp, "--passphrase-file", s.passFile)
	if !strings.Contains(r.stdout, "summary: 2 added, 0 updated, 1 skipped") {
		t.Errorf("import said:\n%s", r.stdout)
	}
	// list sorts by name: Home, Work.
	if got := s.listJSON(); len(got) != 2 || got[1]["host"] != "imap.work.example" || got[0]["port"] != float64(143) || got[0]["security"] != "starttls" {
		t.Errorf("vault after import: %v", got)
	}
	mid := readFile(t, s.vault)
	r = s.must("", "import", "--from", "keepassxc", kp, "--passphrase-file", s.passFile)
	if !strings.Contains(r.stdout, "summary: 0 added, 0 updated, 3 skipped") || !strings.Contains(r.stdout, "already in the vault as Work") {
		t.Errorf("second import said:\n%s", r.stdout)
	}
	if len(s.listJSON()) != 2 {
		t.Error("a second import added accounts")
	}
	_ = mid
	// --update with a changed password: the old one goes to history.
	kp2 := s.writeImport("kp2.csv", strings.Replace(string(readFile(t, kp)), importSentinel+"-1", importSentinel+"-new", 1))
	r = s.must("", "import", "--from", "keepassxc", kp2, "--update", "--passphrase-file", s.passFile)
	if !strings.Contains(r.stdout, "updated      Work") || !strings.Contains(r.stdout, "(password)") || !strings.Contains(r.stdout, "summary: 0 added, 1 updated, 2 skipped") {
		t.Errorf("--update said:\n%s", r.stdout)
	}
	w := decryptedAccount(t, s, "Work")
	if w.Password != importSentinel+"-new" || len(w.History) != 1 || w.History[0].Password != importSentinel+"-1" {
		t.Errorf("after --update: password %q, history %v", w.Password, w.History)
	}
}

func TestImportFromMalformedNamesLineAndChangesNothing(t *testing.T) {
	cases := []struct{ kind, body, want string }{
		{"mbsync", "IMAPAccount a\nHost h\nUser u\nPass \"" + importSentinel + "\n", ":4: missing closing quote"},
		{"mbsync", "IMAPAccount a\nHost h\nSSLType TLSv9\n", ":3: invalid SSLType"},
		{"aerc", "[A]\nsource = imaps://u@h\nfrom = a@b\n" + importSentinel + "\n", ":4: no = on this line"},
		{"offlineimap", "[general]\naccounts = A\n[Account A]\nremoterepository = R\n[Repository R]\ntype = IMAP\nremotepass " + importSentinel + "\n", ":7: not a 'key = value' line"},
		{"himalaya", "[accounts.a]\nbackend.type = \"imap\"\nbackend.auth.raw = \"" + importSentinel + "\n", ":3: not valid TOML"},
		{"himalaya", "[accounts.a]\nemail = \"x\"\nbackend.type = \"imap\"\nbackend.host = \"h\"\nbackend.login = \"u\"\nbackend.port = 70000\n", ":6: accounts.a: port out of range"},
		{"bitwarden", "{\"items\": [\n{\"name\": \"x\", \"type\": 1, \"login\": {\"password\": \"" + importSentinel + "\"}},\n]}", ":3: not valid JSON"},
		{"keepassxc", "\"Title\",\"Username\",\"Password\",\"URL\"\n\"a\",\"u\",\"" + importSentinel + "\",\"imaps://h\"\n\"b\",\"u\",\"x\n", ":3:"},
		{"mutt", "set imap_pass=\"" + importSentinel + "\"\naccount-hook imaps://h\n", ":2: account-hook takes a pattern and a command"},
	}
	for _, tc := range cases {
		t.Run(tc.kind, func(t *testing.T) {
			s := newSandbox(t)
			s.init()
			s.add("existing", "pw")
			before := readFile(t, s.vault)
			f := s.writeImport("src", tc.body)
			r := s.run("", "import", "--from", tc.kind, f, "--yes", "--passphrase-file", s.passFile)
			if r.code != 2 || !strings.Contains(r.stderr, f+tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, f+tc.want)
			}
			if strings.Contains(r.stdout+r.stderr, importSentinel) {
				t.Errorf("the error quotes a secret: %s", r.stderr)
			}
			if string(readFile(t, s.vault)) != string(before) {
				t.Error("the vault changed after a failed import")
			}
		})
	}
}
