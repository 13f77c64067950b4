package importers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// mutt accounts are named as the user knows them: a named mailbox's
// label, an account-hook named by a word, else the login (an address, or
// login@ the host's domain), never the bare host.
func TestMuttAccountNames(t *testing.T) {
	rc := `set imap_user=jane@mail.example
set folder=imaps://imap.mail.example/
mailboxes imaps://bob@imap.b.example/ imaps://carol@imap.c.example/ imaps://dave@10.0.0.7/
named-mailboxes Carol imaps://carol@imap.c.example/INBOX
account-hook work "set imap_user=w.user imap_pass=pw"
mailboxes imaps://imap.work.example/INBOX
`
	r, err := ParseMutt("rc", []byte(rc))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range r.Accounts {
		names = append(names, a.Name)
	}
	want := "jane@mail.example,bob@b.example,Carol,dave@10.0.0.7,work"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("names %s, want %s", got, want)
	}
}

// A sourced file that does not exist is a warning, as in neomutt, which
// reads on after it; a file that can't be read for another reason still
// stops the import (TestMuttSourceIsBounded).
func TestMuttMissingSourceReadsOn(t *testing.T) {
	dir := t.TempDir()
	rc := filepath.Join(dir, "neomuttrc")
	missing := filepath.Join(dir, "gone.muttrc")
	body := "set imap_user=u\nsource " + missing + "\nset folder=imaps://imap.example.com/\n"
	os.WriteFile(rc, []byte(body), 0o600)
	r, err := Parse("mutt", rc, []byte(body))
	if err != nil {
		t.Fatalf("a missing source stopped the import: %v", err)
	}
	if len(r.Accounts) != 1 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Why, "does not exist") || r.Skipped[0].Where != rc+":2" {
		t.Fatalf("got %+v", r)
	}
	bin := testimap.LookBin(t, "neomutt", "neomutt")
	out, stderr := runClient(t, dir, nil, bin, "-n", "-F", rc, "-Q", "folder")
	if !strings.Contains(stderr, "could not be sourced") || !strings.Contains(out, `set folder = "imaps://imap.example.com/"`) {
		t.Errorf("neomutt: %q %q", out, stderr)
	}
}

// neomutt matches an account-hook against the URL as it renders it, the
// login's '@' not percent-encoded; a folder that spells it %40 still gets
// the hook's settings (here an OAuth2 login and its token command).
func TestMuttHookMatchesTheRenderedURL(t *testing.T) {
	rc := `set folder = "imaps://me%40example.org@imap.example.org:993/"
account-hook "^imaps://me@example[.]org@imap[.]example[.]org(:993)?/" "set imap_user = me@example.org imap_authenticators = xoauth2 imap_oauth_refresh_command = \"imapvault-get m --field token\""
`
	r, err := ParseMutt("rc", []byte(rc))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Accounts) != 1 {
		t.Fatalf("accounts: %+v", r.Accounts)
	}
	a := r.Accounts[0]
	if !a.OAuth2 || a.Mech != "XOAUTH2" || a.TokenCmd != "imapvault-get m --field token" || a.Username != "me@example.org" {
		t.Errorf("the hook did not reach the account: %+v", a)
	}
}
