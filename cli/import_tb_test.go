package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/nsstest"
	"github.com/imapvault/imapvault/vault"
)

func TestImportThunderbirdProfile(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("existing", "pw")
	root := filepath.Join(s.dir, "thunderbird")
	os.MkdirAll(root, 0o700)
	prof := nsstest.MakeProfile(t, "tb primary", false, []nsstest.Server{
		{ID: "server1", Name: "Work", Host: "imap.work.example", User: "jane", Pass: importSentinel + "-tb1", SocketType: 3, Type: "imap"},
		{ID: "server2", Name: "Gmail", Host: "imap.gmail.com", User: "jane@gmail.com", SocketType: 3, Auth: 10, Type: "imap"},
		{ID: "server3", Name: "News", Host: "news.example", User: "jane", Pass: importSentinel + "-news", SocketType: 0, Type: "nntp"},
	})
	if err := os.Rename(prof, filepath.Join(root, "abcd.default-release")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "profiles.ini"), []byte("[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n"), 0o600)
	before := readFile(t, s.vault)

	r := s.run("", "import", "--from", "thunderbird", root, "--passphrase-file", s.passFile)
	if r.code != 2 || !strings.Contains(r.stderr, "pass --primary-password-file FILE") || string(readFile(t, s.vault)) != string(before) {
		t.Fatalf("without a way to ask: exit %d, stderr %q", r.code, r.stderr)
	}
	wrong := s.writeImport("wrong", "not it\n")
	r = s.run("", "import", "--from", "thunderbird", root, "--primary-password-file", wrong, "--passphrase-file", s.passFile)
	if r.code != 2 || !strings.Contains(r.stderr, "primary password is needed or wrong") || string(readFile(t, s.vault)) != string(before) {
		t.Fatalf("wrong primary: exit %d, stderr %q", r.code, r.stderr)
	}
	pf := s.writeImport("primary", "tb primary\n")
	r = s.must("", "import", "--from", "thunderbird", root, "--primary-password-file", pf, "--passphrase-file", s.passFile)
	for _, want := range []string{
		"added        Work  jane@imap.work.example:993 tls  password: from the file",
		"added        Gmail  jane@gmail.com@imap.gmail.com:993 tls  OAuth2 account: finish with imapvault oauth login Gmail once added with --auth oauth2",
		"server server3 is nntp, not IMAP",
		"summary: 2 added, 0 updated, 1 skipped, 1 passwords missing (1 of them OAuth2)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, importSentinel) {
		t.Error("a password reached the output")
	}
	if a := decryptedAccount(t, s, "Work"); a.Password != importSentinel+"-tb1" {
		t.Errorf("Work's password is %q", a.Password)
	}
}

// TestImportSentinel imports every fixture (and a dry run of each) and
// searches every output for every password the fixtures hold or their
// commands print.
func TestImportSentinel(t *testing.T) {
	fixtures := map[string]string{
		"mbsync": "mbsyncrc", "aerc": "accounts.conf", "mutt": "neomuttrc", "offlineimap": "offlineimaprc",
		"himalaya": "config.toml", "keepassxc": "export.csv", "bitwarden": "export.json", "msmtp": "msmtprc",
	}
	secrets := []string{"work-secret-1", "mutt-main-secret", "himalaya-secret", "lab-secret", "msmtp-work-secret"}
	for kind := range fixtures {
		var want struct {
			Accounts []struct{ Password string } `json:"accounts"`
		}
		json.Unmarshal(readFile(t, filepath.Join("..", "importers", "testdata", kind, "want.json")), &want)
		for _, a := range want.Accounts {
			if a.Password != "" {
				secrets = append(secrets, a.Password)
			}
		}
	}
	s := newSandbox(t)
	s.init()
	for kind, name := range fixtures {
		file, _ := filepath.Abs(filepath.Join("..", "importers", "testdata", kind, name))
		for _, extra := range [][]string{{"--dry-run"}, nil, {"--update"}} {
			args := append([]string{"import", "--from", kind, file, "--yes", "--command-timeout", "20s", "--passphrase-file", s.passFile}, extra...)
			r := s.must("", args...)
			out := r.stdout + r.stderr
			if extra != nil && extra[0] == "--dry-run" {
				// A dry run shows the commands it would run, as the prompt
				// does: the fixtures' commands print their secret literally.
				var kept []string
				for _, l := range strings.Split(out, "\n") {
					if !strings.HasPrefix(l, "    `") {
						kept = append(kept, l)
					}
				}
				out = strings.Join(kept, "\n")
			}
			for _, sec := range secrets {
				if strings.Contains(out, sec) {
					t.Errorf("import --from %s %v printed a password:\n%s\n%s", kind, extra, r.stdout, r.stderr)
				}
			}
		}
	}
	got := s.listJSON()
	if len(got) == 0 {
		t.Fatal("nothing imported")
	}
	out, _ := json.Marshal(got)
	for _, sec := range secrets {
		if strings.Contains(string(out), sec) || strings.Contains(string(readFile(t, s.vault)), sec) {
			t.Errorf("password %q visible in list --json or the vault file", sec)
		}
	}
	f, err := vault.Open(s.vault, loadTestIdentity(t, s))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range f.Vault.Accounts {
		if a.Username == "jane.doe@work.example" {
			found = a.Password == "work-secret-1"
		}
	}
	if !found {
		t.Error("mbsync's work account did not get its password from its command")
	}
}
