package importers

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
)

// msmtp itself reads the fixture (--pretend prints each account's
// settings and sends nothing): every account we import has the host,
// port, TLS mode, login, From and password source msmtp uses, and an
// account we skip is one msmtp would not log in with.
func TestMsmtpAcceptsFixture(t *testing.T) {
	bin := testimap.LookBin(t, "msmtp", "msmtp")
	file, res := fixture(t, "msmtp")
	home := t.TempDir()
	// msmtp refuses a config holding a password that others may read.
	rc := filepath.Join(home, "msmtprc")
	data, _ := os.ReadFile(file)
	os.WriteFile(rc, data, 0o600)
	pretend := func(acct string) map[string]string {
		out, stderr := runClient(t, home, nil, bin, "-C", rc, "-a", acct, "--pretend")
		if !strings.Contains(out, "host = ") {
			t.Fatalf("msmtp -a %s did not accept the fixture:\n%s\n%s", acct, out, stderr)
		}
		kv := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(l, " = "); ok {
				kv[k] = v
			}
		}
		return kv
	}
	if len(res.Accounts) != 4 {
		t.Fatalf("%d accounts", len(res.Accounts))
	}
	for _, a := range res.Accounts {
		got := pretend(a.Name)
		tls, starttls := "on", "on"
		switch a.SMTP.Security {
		case "tls":
			starttls = "off"
		case "insecure":
			tls = "off"
		}
		from := a.Address
		want := map[string]string{"host": a.SMTP.Host, "port": fmt.Sprint(a.SMTP.Port), "user": a.Username,
			"tls": tls, "from": from}
		if tls == "on" {
			want["tls_starttls"] = starttls
		}
		switch {
		case a.Password != "":
			want["password"] = "*"
		case a.PassCmd != "":
			// --pretend runs the command, as a send would.
			want["password"], want["passwordeval"] = "*", a.PassCmd
		case a.OAuth2:
			want["auth"], want["passwordeval"] = a.Mech, a.TokenCmd
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("account %s: msmtp has %s = %q, we read %q", a.Name, k, got[k], v)
			}
		}
	}
	// relay and legacy: msmtp sends without logging in, or only with a
	// challenge method because TLS is off; legacy's From is a pattern
	// (%U, the local user), no address.
	if got := pretend("relay"); got["auth"] != "none" {
		t.Errorf("relay: msmtp auth = %q", got["auth"])
	}
	if got := pretend("legacy"); got["auth"] != "choose" || got["tls"] != "off" || !strings.HasSuffix(got["from"], "@legacy.example") {
		t.Errorf("legacy: msmtp has %v", got)
	}
	// default names work: the same server.
	if got := pretend("default"); got["host"] != "smtp.work.example" {
		t.Errorf("default: msmtp host = %q", got["host"])
	}
}

// What msmtp refuses, we refuse, naming the line and never its value.
func TestMsmtpRefusesWhatMsmtpRefuses(t *testing.T) {
	for _, tc := range []struct{ name, rc, want string }{
		{"unknown parent", "account a : nope\nhost h\n", "rc:1: account nope not (yet) defined"},
		{"twice", "account a\nhost h\naccount a\n", "rc:3: account a was already defined"},
		{"no name", "account\n", "rc:1: missing account name"},
		{"bad port", "account a\nport 99999\n", "rc:2: invalid argument for command port"},
		{"bad tls", "account a\ntls maybe\n", "rc:2: invalid argument for command tls"},
		{"long line", "account a\npassword " + strings.Repeat("S3cret", 100) + "\n", "rc:2: line longer than msmtp reads"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMsmtp("rc", []byte(tc.rc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "S3cret") || strings.Contains(err.Error(), "99999") || strings.Contains(err.Error(), "maybe") {
				t.Errorf("the error quotes the value: %v", err)
			}
		})
	}
}

// Inheritance follows conf.c's mask: an account takes what its parents
// set (later parents win), not the defaults they started from; settings
// before any account make "default".
func TestMsmtpInheritance(t *testing.T) {
	rc := `host smtp.first.example
auth on
tls on
user first
password p1
defaults
tls on
auth on
account a
host smtp.a.example
user ua
password pa
account b
host smtp.b.example
from b@b.example
account c : a, b
`
	r, err := ParseMsmtp("rc", []byte(rc))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range r.Accounts {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "default,a,c" {
		t.Fatalf("accounts %v (skipped %v)", names, r.Skipped)
	}
	c := r.Accounts[2]
	if c.SMTP.Host != "smtp.b.example" || c.Username != "ua" || c.Password != "pa" || c.Address != "b@b.example" {
		t.Errorf("c: %+v %+v", c, c.SMTP)
	}
	if d := r.Accounts[0]; d.SMTP.Host != "smtp.first.example" || d.SMTP.Port != 25 || d.Password != "p1" {
		t.Errorf("default: %+v %+v", d, d.SMTP)
	}
}
