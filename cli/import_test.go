package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportIsAllOrNothing(t *testing.T) {
	const head = "name,host,port,security,username,password,changed\n"
	const good = "one,h1,993,tls,u,p1,2024-01-01\n"
	cases := []struct {
		name, csv, wantErr string
	}{
		{"bad port", head + good + "two,h2,99999,tls,u,p2,\n", "line 3, column port: bad port"},
		{"port not a number", head + good + "two,h2,abc,tls,u,p2,\n", "line 3, column port: bad port"},
		{"unknown security", head + good + "two,h2,143,ssl3,u,p2,\n", "line 3, column security: unknown security"},
		{"missing host", head + good + "two,,143,tls,u,p2,\n", "line 3, column host: invalid account: host is required"},
		{"missing password", head + "two,h,143,tls,u,,\n", "line 2, column password: invalid account: password is required"},
		{"duplicate in file", head + good + "ONE,h2,,,u,p2,\n", "line 3, column name: duplicate name (first on line 2)"},
		{"duplicate in vault", head + good + "existing,h2,,,u,p2,\n", "line 3, column name: an account with this name already exists"},
		{"bad date", head + "two,h,143,tls,u,p,2024-13-01\n", "line 2, column changed: bad changed date"},
		// A quoted cell that spans lines moves every later line number.
		{"line after a multi-line cell", head + "\"one\n\",h1,993,tls,u,p1,\n" + "two,h,143,tls,u,p2,2024-13-01\n", "line 4, column changed: bad changed date"},
		{"newline in password", head + good + "two,h,143,tls,u,\"Zq-secret\nXy-Wvbk\",\n", "line 3, column password: the password holds a control character (line feed) at character 10"},
		{"CR in password", head + good + "two,h,143,tls,u,\"Zq-secret\rXy-Wvbk\",\n", "line 3, column password: the password holds a control character (carriage return) at character 10"},
		{"NUL in password", head + good + "two,h,143,tls,u,Zq-secret\x00Xy-Wvbk,\n", "line 3, column password: the password holds a control character (NUL) at character 10"},
		// An unquoted comma in a password shifts the cells; no piece of it is quoted.
		{"comma in password", head + good + "two,h,143,tls,u,Zq-secret,Xy-Wvbk,\n", "line 3: wrong number of fields"},
		{"comma in password, no changed column", "name,host,username,password,changed\n" + "two,h,u,Zq-secret,Xy-Wvbk\n", "line 2, column changed: bad changed date"},
		{"control character in name", head + "\"bad\x1b]0;x\x07name\",h,143,tls,u,p2,\n", "line 2, column name: invalid account: name holds a control"},
		{"host not a host", head + "two,h/../x,143,tls,u,p2,\n", "line 2, column host: invalid account: host is not a host name"},
		{"no header", good, "column 1 of the header"},
		{"missing column", "name,host,username\nx,h,u\n", `missing column "password"`},
		{"ragged row", head + "two,h\n", "line 2: wrong number of fields"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSandbox(t)
			s.init()
			s.add("existing", "pw")
			before := readFile(t, s.vault)
			file := filepath.Join(s.dir, "in.csv")
			os.WriteFile(file, []byte(tc.csv), 0o600)
			r := s.run("", "import", file, "--passphrase-file", s.passFile)
			if r.code != 2 || !strings.Contains(r.stderr, tc.wantErr) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.wantErr)
			}
			if !strings.Contains(r.stderr, "nothing was imported") {
				t.Errorf("stderr does not say nothing was imported: %q", r.stderr)
			}
			// The temp folder's random name is not the error's to answer for.
			msg := strings.ReplaceAll(r.stderr, s.dir, "SANDBOX")
			for _, piece := range []string{"Zq-s", "secret", "Xy-W", "Wvbk"} {
				if strings.Contains(msg, piece) {
					t.Errorf("error quotes a piece of a password (%q): %q", piece, r.stderr)
				}
			}
			for _, pw := range []string{"p1", "p2"} {
				if strings.Contains(r.stderr, ","+pw) || strings.Contains(r.stderr, `"`+pw+`"`) {
					t.Errorf("error quotes a password: %q", r.stderr)
				}
			}
			if string(readFile(t, s.vault)) != string(before) {
				t.Error("vault changed after a failed import")
			}
		})
	}
}

func TestImportThenList(t *testing.T) {
	s := newSandbox(t)
	s.init()
	file := filepath.Join(s.dir, "in.csv")
	csv := "username,name,host,password,security\n"
	for i := 0; i < 30; i++ {
		csv += fmt.Sprintf("u%d,acct%02d,h%d.example,pw%d,starttls\n", i, i, i, i)
	}
	os.WriteFile(file, []byte(csv), 0o600)
	r := s.must("", "import", file, "--passphrase-file", s.passFile)
	if !strings.Contains(r.stdout, "imported 30 accounts") || !strings.Contains(r.stdout, "delete it") {
		t.Errorf("import said %q", r.stdout)
	}
	out := s.must("", "list", "--passphrase-file", s.passFile).stdout
	if !strings.Contains(out, "u7@h7.example:143") || strings.Count(out, "\n") != 31 {
		t.Errorf("list after import:\n%s", out)
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	s := newSandbox(t)
	for name, c := range commands {
		if c.summary == "" {
			continue
		}
		r := s.run("", name, "--help")
		if r.code != 0 || !strings.Contains(r.stdout, "Usage: imapvault "+name) {
			t.Errorf("%s --help: exit %d, stdout %q", name, r.code, r.stdout)
		}
	}
	r := s.run("", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Commands:") {
		t.Errorf("--help: exit %d %q", r.code, r.stdout)
	}
	for _, bad := range [][]string{{"frobnicate"}, {"list", "--nosuchflag"}, {"add", "--port", "x"}} {
		if r := s.run("", bad...); r.code != 2 || !strings.Contains(r.stderr, "imapvault: error:") || !strings.Contains(r.stderr, "imapvault: hint:") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with error and hint", bad, r.code, r.stderr)
		}
	}
}

func TestGlobalFlagsAnywhere(t *testing.T) {
	s := newSandbox(t)
	other := filepath.Join(s.dir, "elsewhere", "v.age")
	s.must("", "--vault", other, "init", "--passphrase-file", s.passFile)
	s.must("pw\n", "add", "--name", "a", "--vault="+other, "--host", "h", "--user", "u", "--password-stdin", "--passphrase-file", s.passFile)
	out := s.must("", "list", "--json", "--passphrase-file", s.passFile, "--vault", other).stdout
	if !strings.Contains(out, `"name": "a"`) {
		t.Errorf("list of %s: %s", other, out)
	}
	if _, err := os.Stat(s.vault); !os.IsNotExist(err) {
		t.Errorf("the default vault was touched: %v", err)
	}
	r := s.run("", "list", "--passphrase-file", s.passFile)
	if r.code != 2 || !strings.Contains(r.stderr, "run 'imapvault init'") {
		t.Errorf("missing vault: exit %d %q", r.code, r.stderr)
	}
}
