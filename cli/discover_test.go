//go:build unix

package cli

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// discoverWorld is what a discovery from the real binary meets: a real
// dnsmasq for *.test names and an HTTPS server with the test CA's
// certificate (the child trusts it through SSL_CERT_FILE, as it trusts
// Dovecot), reached through IMAPVAULT_RESOLVER and the test-only port.
func discoverWorld(t *testing.T, s *sandbox, files map[string]string, recs testimap.DNSRecords) {
	t.Helper()
	ca, err := testimap.DefaultCA()
	if err != nil {
		t.Fatal(err)
	}
	if recs.A == nil {
		recs.A = map[string]string{}
	}
	hosts := []string{"ispdb.test"}
	recs.A["ispdb.test"] = "127.0.0.1"
	for hp := range files {
		h, _, _ := strings.Cut(hp, "/")
		recs.A[h] = "127.0.0.1"
		hosts = append(hosts, h)
	}
	dns := testimap.StartDNS(t, recs)
	cert, err := ca.Issue(testimap.CertSpec{Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.Host+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(body))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.env = append(s.env, discover.EnvResolver+"="+dns.Addr(), discover.EnvISPDB+"=https://ispdb.test/",
		discover.EnvTestHTTPSPort+"="+strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port))
}

// configFor is an autoconfig file naming IMAP at host:port and an SMTP
// server.
func configFor(host string, port int, extra string) string {
	return `<?xml version="1.0"?><clientConfig version="1.2"><emailProvider id="x">
<displayName>` + extra + `</displayName>
<incomingServer type="imap"><hostname>` + host + `</hostname><port>` + strconv.Itoa(port) + `</port>
<socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.alpha.test</hostname><port>465</port><socketType>SSL</socketType>
<authentication>password-cleartext</authentication><username>%EMAILLOCALPART%</username></outgoingServer>
</emailProvider>
<oAuth2><authURL>https://login.alpha.test/a</authURL><tokenURL>https://login.alpha.test/t</tokenURL>
<issuer>login.alpha.test</issuer><scope>IMAP SMTP</scope><clientID>open</clientID><clientSecret>sentinel-client-secret</clientSecret></oAuth2>
</clientConfig>`
}

func TestDiscoverCommand(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	discoverWorld(t, s, map[string]string{
		"autoconfig.alpha.test/mail/config-v1.1.xml":  configFor("imap.alpha.test", 993, "Alpha \u202e\u009b31mMail"),
		"autoconfig.hoster.test/mail/config-v1.1.xml": configFor("imap.hoster.test", 993, "Hoster"),
	}, testimap.DNSRecords{MX: []testimap.DNSMX{{Name: "cust.test", Target: "mx.hoster.test", Pref: 5}}})

	r := s.run("", "discover", "--json", "fred@alpha.test")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	want := map[string]any{
		"address": "fred@alpha.test", "source": "autoconfig", "confirm": false,
		"imap":     map[string]any{"host": "imap.alpha.test", "port": 993.0, "security": "tls"},
		"smtp":     map[string]any{"host": "smtp.alpha.test", "port": 465.0, "security": "tls"},
		"username": "fred@alpha.test", "auth": []any{"password"},
		"oauth": map[string]any{"issuer": "login.alpha.test", "auth_url": "https://login.alpha.test/a",
			"token_url": "https://login.alpha.test/t", "scopes": []any{"IMAP", "SMTP"}, "client_id": "open"},
		"hint": "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discover --json:\n got %v\nwant %v", got, want)
	}
	if !strings.Contains(r.stderr, "a setting for tests") {
		t.Errorf("the test port was not announced: %q", r.stderr)
	}

	r = s.run("", "discover", "fred@alpha.test")
	for _, piece := range []string{"found by autoconfig", "https://autoconfig.alpha.test/mail/config-v1.1.xml", "imap      imap.alpha.test:993 tls",
		"smtp      smtp.alpha.test:465 tls (login fred)", "provider  Alpha "} {
		if !strings.Contains(r.stdout, piece) {
			t.Errorf("discover's text lacks %q:\n%s", piece, r.stdout)
		}
	}
	for _, out := range []string{r.stdout + r.stderr, got["oauth"].(map[string]any)["client_id"].(string)} {
		if strings.ContainsAny(out, "\x1b\u202e\u009b") || strings.Contains(out, "sentinel-client-secret") {
			t.Errorf("an escape or the client secret reached the output: %q", out)
		}
	}

	r = s.run("", "discover", "--json", "a@cust.test")
	got = nil
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 || got["source"] != "mx" || got["confirm"] != true {
		t.Errorf("MX result: exit %d %v %s %s", r.code, err, r.stdout, r.stderr)
	}
	r = s.run("", "discover", "a@cust.test")
	if !strings.Contains(r.stdout, "confirm   needs your yes") || !strings.Contains(r.stdout, "check that your mail provider runs hoster.test and alpha.test") {
		t.Errorf("MX result text does not ask to confirm hoster.test:\n%s", r.stdout)
	}

	r = s.run("", "discover", "a@nowhere.test")
	if r.code != 1 || !strings.Contains(r.stderr, "no mail servers found for a@nowhere.test") || !strings.Contains(r.stderr, "autoconfig.nowhere.test") {
		t.Errorf("nothing found: exit %d\n%s", r.code, r.stderr)
	}
	r = s.run("", "discover", "--offline", "a@gmail.com")
	if r.code != 0 || !strings.Contains(r.stdout, "found by builtin") || !strings.Contains(r.stdout, "app password") {
		t.Errorf("offline: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := s.run("", "discover", "--ispdb", "http://ispdb.test/", "a@x.test"); r.code != 2 {
		t.Errorf("an http ISPDB: exit %d %s", r.code, r.stderr)
	}
	if r := s.run("", "discover", "not-an-address"); r.code != 2 {
		t.Errorf("a bad address: exit %d %s", r.code, r.stderr)
	}
}

// TestAddAddress: add --address discovers, proves the login against a real
// Dovecot, and saves only when it works.
func TestAddAddress(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	const pw, other = "fred-right-Pa55word", "other-right-Pa55word"
	d := testimap.StartDovecot(t, map[string]string{"fred@alpha.test": pw, "ann@cust.test": other, "bob": other})
	discoverWorld(t, s, map[string]string{
		"autoconfig.alpha.test/mail/config-v1.1.xml":  configFor("127.0.0.1", d.ImplicitPort(), "Alpha"),
		"autoconfig.hoster.test/mail/config-v1.1.xml": configFor("127.0.0.1", d.ImplicitPort(), "Hoster"),
	}, testimap.DNSRecords{MX: []testimap.DNSMX{{Name: "cust.test", Target: "mx.hoster.test", Pref: 5}}})
	s.init()
	pf := "--passphrase-file=" + s.passFile
	var outs []string // every output, for the sentinel at the end
	run := func(stdin string, args ...string) result {
		r := s.run(stdin, args...)
		outs = append(outs, r.stdout, r.stderr)
		return r
	}
	names := func() []string {
		f, err := vault.Open(s.vault, loadTestIdentity(t, s))
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, a := range f.Vault.Accounts {
			n = append(n, a.Name)
		}
		return n
	}

	r := run("wrong-password\n", "add", "--address", "fred@alpha.test", "--password-stdin", pf)
	if r.code != 1 || !strings.Contains(r.stderr, "auth_failed") || !strings.Contains(r.stderr, "nothing was saved") {
		t.Fatalf("a wrong password: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := names(); len(n) != 0 {
		t.Fatalf("saved %v after a failed login", n)
	}
	r = run(pw+"\n", "add", "--address", "fred@alpha.test", "--password-stdin", pf)
	if r.code != 0 || !strings.Contains(r.stdout, "IMAP login ok") || !strings.Contains(r.stdout, "added fred@alpha.test") {
		t.Fatalf("the right password: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f, err := vault.Open(s.vault, loadTestIdentity(t, s))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.Find("fred@alpha.test")
	wantSMTP := &vault.Endpoint{Host: "smtp.alpha.test", Port: 465, Security: vault.TLS, Username: "fred"}
	if a == nil || a.Address != "fred@alpha.test" || a.Host != "127.0.0.1" || a.Port != d.ImplicitPort() || a.Security != vault.TLS ||
		a.Username != "fred@alpha.test" || a.Password != pw || !reflect.DeepEqual(a.SMTP, wantSMTP) ||
		a.LastCheck == nil || a.LastCheck.Status != "ok" {
		t.Fatalf("saved %+v (smtp %+v, check %+v)", a, a.SMTP, a.LastCheck)
	}

	// --no-check saves what does not log in, and says so.
	r = run("wrong-password\n", "add", "--address", "fred@alpha.test", "--name", "nocheck", "--no-check", "--password-stdin", pf)
	if r.code != 0 || !strings.Contains(r.stderr, "saving anyway") {
		t.Fatalf("--no-check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// Flags win: another login, STARTTLS on Dovecot's other port.
	r = run(other+"\n", "add", "--address", "fred@alpha.test", "--name", "flags", "--user", "bob", "--security", "starttls",
		"--port", strconv.Itoa(d.StartTLSPort()), "--password-stdin", pf)
	if r.code != 0 {
		t.Fatalf("explicit flags: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f, _ = vault.Open(s.vault, loadTestIdentity(t, s))
	if a := f.Vault.Find("flags"); a.Username != "bob" || a.Security != vault.STARTTLS || a.Port != d.StartTLSPort() ||
		a.SMTP.Username != "fred" || a.Address != "fred@alpha.test" {
		t.Errorf("explicit flags did not win: %+v %+v", a, a.SMTP)
	}

	// Found through MX: refused without a terminal or --yes, saved with --yes.
	r = s.exec(other+"\n", &syscall.SysProcAttr{Setsid: true}, "add", "--address", "ann@cust.test", "--password-stdin", pf)
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 2 || !strings.Contains(r.stderr, "need your confirmation") || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("MX without --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(other+"\n", "add", "--address", "ann@cust.test", "--yes", "--password-stdin", pf)
	if r.code != 0 {
		t.Fatalf("MX with --yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, want := names(), []string{"fred@alpha.test", "nocheck", "flags", "ann@cust.test"}; !reflect.DeepEqual(got, want) {
		t.Errorf("accounts %v, want %v", got, want)
	}
	// Nothing discovered: exit 1, nothing saved.
	if r := run(pw+"\n", "add", "--address", "x@nowhere.test", "--password-stdin", pf); r.code != 1 {
		t.Errorf("nothing found: exit %d %s", r.code, r.stderr)
	}
	for _, out := range outs {
		if strings.Contains(out, pw) || strings.Contains(out, other) {
			t.Errorf("a password reached the output: %q", out)
		}
	}
}

// TestAddAddressOAuthFromAutoconfig: the <oAuth2> block discovery finds
// fills the account's OAuth2 settings, so --auth oauth2 needs no
// --provider: the account keeps the discovered endpoints and the published
// client id.
func TestAddAddressOAuthFromAutoconfig(t *testing.T) {
	s := newSandbox(t)
	trustTestCA(t, s)
	d := testimap.StartDovecot(t, map[string]string{"fred@alpha.test": "unused-Pa55word"})
	discoverWorld(t, s, map[string]string{
		"autoconfig.alpha.test/mail/config-v1.1.xml": configFor("127.0.0.1", d.ImplicitPort(), "Alpha"),
	}, testimap.DNSRecords{})
	s.init()
	r := s.run("a-refresh-token-sentinel\n", "add", "--address", "fred@alpha.test", "--auth", "oauth2",
		"--refresh-token-stdin", "--passphrase-file="+s.passFile)
	out := r.stdout + r.stderr
	if r.code != 0 {
		t.Fatalf("exit %d: the discovered OAuth2 settings were not used\n%s", r.code, out)
	}
	f, err := vault.Open(s.vault, loadTestIdentity(t, s))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.Find("fred@alpha.test")
	if a == nil || !a.IsOAuth2() || a.OAuth.Provider != "custom" || a.OAuth.ClientID != "open" ||
		a.OAuth.TokenURL != "https://login.alpha.test/t" || a.OAuth.RefreshToken != "a-refresh-token-sentinel" {
		t.Fatalf("saved %+v", a)
	}
	for _, secret := range []string{"sentinel-client-secret", "a-refresh-token-sentinel"} {
		if strings.Contains(out, secret) {
			t.Errorf("output holds %q:\n%s", secret, out)
		}
	}
}
