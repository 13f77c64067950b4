package cli

import (
	"strings"
	"testing"
)

func TestEditAndRemove(t *testing.T) {
	s := newSandbox(t)
	s.init()
	s.add("work", "first-pw")
	s.add("home", "home-pw")
	p := s.passFile

	s.must("", "edit", "work", "--security", "starttls", "--user", "new-user", "--notes", "moved", "--passphrase-file", p)
	s.must("second-pw\n", "edit", "work", "--password-stdin", "--passphrase-file", p)
	r := s.must("", "list", "--json", "--passphrase-file", p)
	if !strings.Contains(r.stdout, `"username": "new-user"`) || !strings.Contains(r.stdout, `"port": 143`) {
		t.Errorf("after edit: %s", r.stdout)
	}
	a := decryptedAccount(t, s, "work")
	if a.Password != "second-pw" || len(a.History) != 1 || a.History[0].Password != "first-pw" || a.Notes != "moved" {
		t.Errorf("work after edits: password changed %v, history %d, notes %q", a.Password == "second-pw", len(a.History), a.Notes)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"edit", "work", "--rename", "HOME"}, "already exists"},
		{[]string{"edit", "work", "--port", "70000"}, "port 70000 out of range"},
		{[]string{"edit", "work", "--security", "ssl3"}, "unknown security"},
		{[]string{"edit", "work"}, "nothing to change"},
		{[]string{"edit", "nosuch", "--host", "h"}, `no account named "nosuch"`},
		{[]string{"remove", "work"}, "without --yes"},
	} {
		before := readFile(t, s.vault)
		r := s.run("", append(bad.args, "--passphrase-file", p)...)
		if r.code != 2 || !strings.Contains(r.stderr, bad.want) {
			t.Errorf("%v: exit %d %q; want 2 and %q", bad.args, r.code, r.stderr, bad.want)
		}
		if string(readFile(t, s.vault)) != string(before) {
			t.Errorf("%v changed the vault", bad.args)
		}
	}
	s.must("", "edit", "work", "--rename", "office", "--passphrase-file", p)
	s.must("", "remove", "home", "--yes", "--passphrase-file", p)
	out := s.must("", "list", "--json", "--passphrase-file", p).stdout
	if !strings.Contains(out, `"office"`) || strings.Contains(out, `"home"`) || strings.Contains(out, `"work"`) {
		t.Errorf("after rename and remove: %s", out)
	}
}
