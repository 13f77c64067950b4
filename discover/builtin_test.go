package discover

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

var update = flag.Bool("update", false, "rewrite testdata/builtin.golden")

// TestBuiltinGolden pins the table: a change to any provider's servers
// shows in review as a change to testdata/builtin.golden.
func TestBuiltinGolden(t *testing.T) {
	var b strings.Builder
	for _, p := range builtins {
		fmt.Fprintf(&b, "%s (%s)\n", p.ID, p.Name)
		if len(p.Domains) > 0 {
			fmt.Fprintf(&b, "  domains %s\n", strings.Join(p.Domains, " "))
		}
		if len(p.MX) > 0 {
			fmt.Fprintf(&b, "  mx      %s\n", strings.Join(p.MX, " "))
		}
		fmt.Fprintf(&b, "  imap    %s %s %s\n", p.IMAP.Addr(), p.IMAP.Security, p.IMAP.Username)
		if p.SMTP != nil {
			fmt.Fprintf(&b, "  smtp    %s %s %s\n", p.SMTP.Addr(), p.SMTP.Security, p.SMTP.Username)
		}
		auth := make([]string, len(p.Auth))
		for i, a := range p.Auth {
			auth[i] = string(a)
		}
		fmt.Fprintf(&b, "  auth    %s\n", strings.Join(auth, " "))
		if o := p.OAuth; o != nil {
			fmt.Fprintf(&b, "  oauth   %s %s %s %s\n", o.Issuer, o.AuthURL, o.TokenURL, strings.Join(o.Scopes, " "))
		}
		if p.Hint != "" {
			fmt.Fprintf(&b, "  hint    %s\n", p.Hint)
		}
	}
	path := filepath.Join("testdata", "builtin.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestBuiltinGolden -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("the built-in table differs from %s (run with -update if the change is meant):\n%s", path, b.String())
	}
}

// TestBuiltinTable checks what every entry must be, whatever it says.
func TestBuiltinTable(t *testing.T) {
	ids, domains := map[string]bool{}, map[string]string{}
	for _, p := range builtins {
		if ids[p.ID] {
			t.Errorf("%s: id used twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Domains) == 0 && len(p.MX) == 0 {
			t.Errorf("%s: matches nothing", p.ID)
		}
		for _, d := range p.Domains {
			if other, ok := domains[d]; ok {
				t.Errorf("%s: domain %s is %s's too", p.ID, d, other)
			}
			domains[d] = p.ID
		}
		for _, s := range append([]*Server{&p.IMAP}, p.SMTP) {
			if s == nil {
				continue
			}
			if !validHost(s.Host) || s.Port < 1 || s.Port > 65535 || s.Username == "" {
				t.Errorf("%s: bad server %+v", p.ID, s)
			}
			if s.Security != vault.TLS && s.Security != vault.STARTTLS {
				t.Errorf("%s: %s is %q: the table never proposes cleartext", p.ID, s.Addr(), s.Security)
			}
		}
		if len(p.Auth) == 0 || hasAuth(p.Auth, AuthOAuth2) != (p.OAuth != nil) {
			t.Errorf("%s: auth %v with oauth %v", p.ID, p.Auth, p.OAuth)
		}
		if p.OAuth != nil && (!httpsURL(p.OAuth.AuthURL) || !httpsURL(p.OAuth.TokenURL)) {
			t.Errorf("%s: OAuth2 endpoints not https", p.ID)
		}
	}
	a := mustAddress(t, "Fred.X@icloud.com")
	r := builtinByDomain(a.domain).result(a)
	if r.IMAP.Username != "Fred.X" || r.SMTP.Username != "Fred.X@icloud.com" {
		t.Errorf("iCloud usernames %q %q", r.IMAP.Username, r.SMTP.Username)
	}
	// The result is a copy: filling it leaves the table as it was.
	r.OAuth = nil
	r.Auth[0] = "x"
	if builtinByDomain("icloud.com").Auth[0] != AuthPassword {
		t.Errorf("the table was changed through a result")
	}
	g := builtinByDomain("gmail.com").result(mustAddress(t, "a@gmail.com"))
	g.OAuth.Scopes[0] = "changed"
	if googleOAuth.Scopes[0] != "https://mail.google.com/" {
		t.Errorf("the table's scopes were changed through a result")
	}
}
