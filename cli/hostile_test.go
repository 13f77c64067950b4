package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

// hostileVault adds one account per hostile server mode; every server
// knows the account's password, so only the attack differs.
func hostileVault(t *testing.T, s *sandbox, modes []testimap.Hostile) {
	t.Helper()
	for _, mode := range modes {
		m, sec := testimap.ImplicitTLS, "tls"
		if mode == testimap.HostileStartTLS {
			m, sec = testimap.STARTTLS, "starttls"
		}
		srv := testimap.Start(t, testimap.Options{Mode: m, Hostile: mode, Users: map[string]string{"alice": "Hq7-Zx9-Kp4"}})
		s.must("Hq7-Zx9-Kp4\n", "add", "--name", "h-"+string(mode), "--host", "127.0.0.1", "--port", strconv.Itoa(srv.Port()),
			"--security", sec, "--user", "alice", "--password-stdin", "--passphrase-file", s.passFile)
	}
}

func assertSafe(t *testing.T, what string, r result) {
	t.Helper()
	if bad := testimap.Unsafe(r.stdout + r.stderr); bad != "" {
		t.Errorf("%s reaches the terminal with a %s:\n%s\n%s", what, bad, r.stdout, r.stderr)
	}
}

// Every hostile server's words (greeting, NO, BAD, BYE, ALERT, STARTTLS
// refusal, certificate names) reach the table, the list, the audit and
// errors only escaped; --json keeps them exactly, escaped as JSON.
func TestHostileServersCannotDriveTheTerminal(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	s.init()
	hostileVault(t, s, testimap.HostileModes)

	table := s.run("", "check", "--timeout", testwait.Patience.String(), "--passphrase-file", s.passFile)
	if table.code != 1 {
		t.Fatalf("check: exit %d, want 1\n%s%s", table.code, table.stdout, table.stderr)
	}
	assertSafe(t, "check table", table)
	for _, want := range []string{`\x1b]52;`, `\x1b[2J`, `\u009b`, `\u202e`, `\x7f`} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("check table does not show %s visibly:\n%s", want, table.stdout)
		}
	}
	for _, mode := range []testimap.Hostile{testimap.HostileNO, testimap.HostileBAD, testimap.HostileBye, testimap.HostileAlert, testimap.HostileStartTLS, testimap.HostileCert} {
		if !strings.Contains(table.stdout, "h-"+string(mode)+" ") || !strings.Contains(table.stdout, "FAIL") {
			t.Errorf("table has no failing row for %s:\n%s", mode, table.stdout)
		}
	}

	js := s.run("", "check", "--json", "--timeout", testwait.Patience.String(), "--passphrase-file", s.passFile)
	assertSafe(t, "check --json", js)
	var items []struct{ Name, Status, Error string }
	if err := json.Unmarshal([]byte(js.stdout), &items); err != nil {
		t.Fatalf("check --json: %v\n%s", err, js.stdout)
	}
	exact := 0
	for _, it := range items {
		if strings.Contains(it.Error, testimap.EscapeText) {
			exact++
		}
	}
	if exact < 3 { // NO, BAD, BYE, STARTTLS at least carry it whole
		t.Errorf("--json kept the exact server text in %d errors, want it in NO, BAD, BYE and STARTTLS:\n%s", exact, js.stdout)
	}

	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"audit"}, {"audit", "--json"}, {"check", "h-no", "--timeout", testwait.Patience.String()}} {
		r := s.run("", append(args, "--passphrase-file", s.passFile)...)
		assertSafe(t, strings.Join(args, " "), r)
	}
}

// A rotation against a server that answers the new password with escape
// sequences, with a hook that prints some, shows both only escaped.
func TestRotateOutputAgainstHostileServer(t *testing.T) {
	for _, mode := range []testimap.Hostile{testimap.HostileNO, testimap.HostileAlert, testimap.HostileCert} {
		t.Run(string(mode), func(t *testing.T) {
			s := newSandbox(t)
			trustTestCA(t, s)
			s.init()
			hostileVault(t, s, []testimap.Hostile{mode})
			hook := `cat >/dev/null; printf '\033]52;c;aGk=\007\033]0;title\007\302\233\342\200\256 hook done\n'`
			r := s.run("", "rotate", "h-"+string(mode), "--hook", hook, "--verify-timeout", "1s", "--passphrase-file", s.passFile)
			if r.code != 1 {
				t.Fatalf("rotate: exit %d, want 1 (the new password never logs in)\n%s%s", r.code, r.stdout, r.stderr)
			}
			assertSafe(t, "rotate output", r)
			if !strings.Contains(r.stdout+r.stderr, `\x1b]52;`) {
				t.Errorf("rotate output does not show the escapes visibly:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// Several rotations end with a summary; its names and errors are escaped too.
func TestRotateSummaryAgainstHostileServers(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	s.init()
	hostileVault(t, s, []testimap.Hostile{testimap.HostileNO, testimap.HostileBAD, testimap.HostileCert})
	r := s.run("", "rotate", "h-no", "h-bad", "h-cert", "--hook", "cat >/dev/null", "--verify-timeout", "1s", "--passphrase-file", s.passFile)
	if r.code != 1 || !strings.Contains(r.stdout, "0 committed, 3 pending, 0 failed (of 3)") {
		t.Fatalf("rotate: exit %d, want 1 and a summary\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertSafe(t, "rotate summary", r)
}

// Flooding servers cost a check neither the timeout nor the vault: it
// grows by a few KB per account at most.
func TestFloodingServersKeepTheVaultSmall(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	s.init()
	hostileVault(t, s, testimap.FloodModes)
	before, _ := os.Stat(s.vault)
	r := s.run("", "check", "--timeout", "60s", "--passphrase-file", s.passFile)
	if r.code != 1 {
		t.Fatalf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertSafe(t, "check table", r)
	if n := strings.Count(r.stdout, "server sent more than 1 MiB"); n != len(testimap.FloodModes) {
		t.Errorf("%d of %d flooding servers named as such:\n%s", n, len(testimap.FloodModes), r.stdout)
	}
	after, _ := os.Stat(s.vault)
	if grew := after.Size() - before.Size(); grew > int64(len(testimap.FloodModes))*4<<10 {
		t.Errorf("the vault grew by %d bytes for %d checks, want a few KB each", grew, len(testimap.FloodModes))
	}
}

// Names, hosts, users, tags and notes are validated on entry; a vault that
// already holds hostile fields (an old version wrote them) lists them
// escaped and capped.
func TestHostileFieldsRefusedAndRenderedSafely(t *testing.T) {
	s := newSandbox(t)
	s.init()
	huge := strings.Repeat("N", 1<<20)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"newline in name", []string{"--name", "a\nFAKE ROW", "--host", "h", "--user", "u"}, "name holds a control"},
		{"100 KB name", []string{"--name", huge[:100<<10], "--host", "h", "--user", "u"}, "name is longer than 64"},
		{"escape in host", []string{"--name", "a", "--host", "h\x1b]0;t\x07", "--user", "u"}, "host is not"},
		{"bidi in user", []string{"--name", "a", "--host", "h", "--user", "u\u202e"}, "username holds"},
		{"control in tag", []string{"--name", "a", "--host", "h", "--user", "u", "--tags", "x\x1b[2J"}, "tag 1"},
		{"escape in notes", []string{"--name", "a", "--host", "h", "--user", "u", "--notes", "n\x1b[2J"}, "notes hold"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := readFile(t, s.vault)
			r := s.run("pw-Kq9x\n", append([]string{"add", "--password-stdin", "--passphrase-file", s.passFile}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("add: exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.want)
			}
			assertSafe(t, "the refusal", r)
			if len(r.stderr) > 1000 {
				t.Errorf("the refusal is %d bytes long", len(r.stderr))
			}
			if string(readFile(t, s.vault)) != string(before) {
				t.Error("the vault changed")
			}
		})
	}

	csv := filepath.Join(s.dir, "big.csv")
	os.WriteFile(csv, []byte("name,host,username,password\n"+huge+",h,u,pw-Kq9x\n"), 0o600)
	if r := s.run("", "import", csv, "--passphrase-file", s.passFile); r.code != 2 || !strings.Contains(r.stderr, "line 2, column name: invalid account: name is longer than 64") || len(r.stderr) > 1000 {
		t.Errorf("import of a 1 MB name: exit %d, %d bytes of stderr: %.300q", r.code, len(r.stderr), r.stderr)
	}

	// An old vault already holds such fields: written here without Validate.
	id, err := vault.LoadIdentity(s.identity, func() ([]byte, error) { return []byte("test passphrase"), nil })
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.OpenLocked(s.vault, id)
	if err != nil {
		t.Fatal(err)
	}
	evil := "evil\nFAKE ROW\x1b]52;c;eA==\x07\u009b2J\u202e" + huge
	f.Vault.Accounts = append(f.Vault.Accounts, &vault.Account{ID: vault.NewID(), Name: evil, Host: "h\x1b[2J" + huge,
		Port: 993, Security: vault.TLS, Username: "u\r\n" + huge, Password: "x-Kq9x", Changed: time.Now(),
		LastCheck: &vault.Check{At: time.Now(), Status: "ok\x1b[2J"}})
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := s.must("", "list", "--passphrase-file", s.passFile)
	assertSafe(t, "list of an old hostile vault", r)
	if len(r.stdout) > 2000 {
		t.Errorf("list printed %d bytes for one account with a 1 MB name", len(r.stdout))
	}
	if !strings.Contains(r.stdout, `evil\nFAKE ROW\x1b]52;`) || !strings.Contains(r.stdout, "…") {
		t.Errorf("list does not show the name escaped and capped:\n%s", r.stdout)
	}
	if strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("list of one account printed %d lines:\n%s", strings.Count(r.stdout, "\n"), r.stdout)
	}
	js := s.must("", "list", "--json", "--passphrase-file", s.passFile)
	assertSafe(t, "list --json", js)
	var items []struct{ Name string }
	if err := json.Unmarshal([]byte(js.stdout), &items); err != nil || len(items) != 1 || items[0].Name != evil {
		t.Errorf("list --json does not keep the exact name (err %v)", err)
	}
}

// Passwords with a newline, CR or NUL are refused wherever they enter, the
// vault unchanged; and no output of any command holds a 4+ character piece
// of a secret, also when a server echoes pieces of it.
func TestSecretPiecesNeverLeak(t *testing.T) {
	const sentinel = "Zq7Kw-Vb8Xy-Hn4Jm-Pt6Rc"
	pieces := func(out string) []string {
		var found []string
		for i := 0; i+vault.MinSecretPiece <= len(sentinel); i++ {
			if p := sentinel[i : i+vault.MinSecretPiece]; strings.Contains(out, p) {
				found = append(found, p)
			}
		}
		return found
	}
	s := newSandbox(t)
	trustTestCA(t, s)
	// The server refuses the login quoting pieces of the password, as a
	// badly written one might.
	srv := testimap.Start(t, testimap.Options{Mode: testimap.ImplicitTLS,
		LoginNO: &testimap.NOResponse{Code: "AUTHENTICATIONFAILED", Text: "bad password ending -Hn4Jm-Pt6Rc, starting Zq7Kw"}})
	s.init()
	port := strconv.Itoa(srv.Port())
	var outs []result
	outs = append(outs, s.must(sentinel+"\n", "add", "--name", "good", "--host", "127.0.0.1", "--port", port, "--user", "alice", "--password-stdin", "--passphrase-file", s.passFile))
	before := readFile(t, s.vault)
	refused := []struct {
		stdin string
		args  []string
	}{
		{"Zq7Kw-Vb8Xy\rHn4Jm-Pt6Rc\n", []string{"add", "--name", "cr", "--host", "h", "--user", "u", "--password-stdin"}},
		{"Zq7Kw-Vb8Xy\x00Hn4Jm-Pt6Rc\n", []string{"add", "--name", "nul", "--host", "h", "--user", "u", "--password-stdin"}},
		{"Zq7Kw-Vb8Xy\x00Hn4Jm-Pt6Rc\n", []string{"edit", "good", "--password-stdin"}},
		{"Zq7Kw-Vb8Xy\rHn4Jm-Pt6Rc\n", []string{"edit", "good", "--password-stdin"}},
	}
	csv := filepath.Join(s.dir, "in.csv")
	for _, body := range []string{
		"name,host,username,password\nnl,h,u,\"Zq7Kw-Vb8Xy\nHn4Jm-Pt6Rc\"\n",
		"name,host,username,password\ncr,h,u,\"Zq7Kw-Vb8Xy\rHn4Jm-Pt6Rc\"\n",
		"name,host,username,password\nnul,h,u,Zq7Kw-Vb8Xy\x00Hn4Jm-Pt6Rc\n",
		"name,host,username,password,changed\ncomma,h,u,Zq7Kw-Vb8Xy,Hn4Jm-Pt6Rc\n",
	} {
		os.WriteFile(csv, []byte(body), 0o600)
		r := s.run("", "import", csv, "--passphrase-file", s.passFile)
		if r.code != 2 {
			t.Errorf("import of %q: exit %d, want 2\n%s", body, r.code, r.stderr)
		}
		outs = append(outs, r)
	}
	os.Remove(csv)
	for _, rc := range refused {
		r := s.run(rc.stdin, append(rc.args, "--passphrase-file", s.passFile)...)
		if r.code != 2 || !strings.Contains(r.stderr, "the password holds a control character") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and the reason", rc.args, r.code, r.stderr)
		}
		outs = append(outs, r)
	}
	if string(readFile(t, s.vault)) != string(before) {
		t.Error("a refused password changed the vault")
	}
	for _, args := range [][]string{
		{"list"}, {"list", "--json"}, {"check", "--timeout", "5s"}, {"check", "--json", "--timeout", "5s"},
		{"audit"}, {"audit", "--json"}, {"rotate", "good", "--hook", "cat; exit 1", "--verify-timeout", "1s"},
		{"rotate", "good", "--abort"}, {"rotate", "good", "--hook", "cat >/dev/null", "--verify-timeout", "1s"},
		{"recipients"}, {"edit", "nosuch", "--host", "h"},
	} {
		outs = append(outs, s.run("", append(args, "--passphrase-file", s.passFile)...))
	}
	for i, r := range outs {
		if p := pieces(r.stdout + r.stderr); len(p) > 0 {
			t.Errorf("output %d holds pieces %q of the secret:\n%s\n%s", i, p, r.stdout, r.stderr)
		}
	}
	if !strings.Contains(outs[len(outs)-9].stdout+outs[len(outs)-9].stdout, "[redacted]") {
		t.Errorf("check does not show where the server quoted the password:\n%s", outs[len(outs)-9].stdout)
	}
}

// Recipient labels come from --label (checked) or an SSH key's comment in
// a file someone sent: listed escaped either way.
func TestRecipientLabelsShownSafely(t *testing.T) {
	s := newSandbox(t)
	s.plainIdentity()
	s.must("", "init")
	_, bob := memberKey(t, s, "bob")
	if r := s.run("", "recipients", "add", bob, "--label", "bob\x1b]0;owned\x07"); r.code != 2 || !strings.Contains(r.stderr, "--label must be printable") {
		t.Errorf("hostile --label: exit %d, %q", r.code, r.stderr)
	}
	_, carol := memberKey(t, s, "carol")
	// An age key has no comment; write the label through the vault as an
	// older version or a teammate could have.
	s.must("", "recipients", "add", carol, "--label", "carol")
	id, err := vault.LoadIdentity(s.identity, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.OpenLocked(s.vault, id)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Vault.Recipients {
		if f.Vault.Recipients[i].Label == "carol" {
			f.Vault.Recipients[i].Label = "carol\x1b]52;c;eA==\x07\u009b2J\u202e"
			f.Vault.Recipients[i].AddedBy = "mallory\x1b]0;title\x07"
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r := s.must("", "recipients")
	assertSafe(t, "recipients", r)
	assertSafe(t, "recipients --json", s.must("", "recipients", "list", "--json"))
	if !strings.Contains(r.stdout, `carol\x1b]52;`) {
		t.Errorf("label not shown escaped:\n%s", r.stdout)
	}
	r = s.run("", "recipients", "remove", carol)
	assertSafe(t, "recipients remove", r)
}
