package discover

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

const cfgPath = "/mail/config-v1.1.xml"

// TestSources walks each source in turn, each for its own domain, against
// real DNS and a real HTTPS server.
func TestSources(t *testing.T) {
	gate := make(chan struct{})
	w := newWorld(t, route{
		"autoconfig.alpha.test" + cfgPath:          xmlFile(t, "alpha.xml"),
		"wk.test/.well-known/autoconfig" + cfgPath: xmlBody(imapOnly("imap.wk.test")),
		"ispdb.test/v1/db.test":                    xmlBody(imapOnly("imap.db.test")),
		"autoconfig.hoster.test" + cfgPath:         xmlBody(imapOnly("imap.hoster.test")),
		"ispdb.test/v1/ispdb-hoster.test":          xmlBody(imapOnly("imap.ispdb-hoster.test")),
		"ispdb.test/v1/both.test": func(rw http.ResponseWriter, r *http.Request) {
			xmlBody(imapOnly("imap.from-ispdb.test"))(rw, r)
			close(gate)
		},
		"autoconfig.both.test" + cfgPath: func(rw http.ResponseWriter, r *http.Request) {
			<-gate
			xmlBody(imapOnly("imap.from-autoconfig.test"))(rw, r)
		},
		"autoconfig.nohttps.test" + cfgPath:                xmlBody(imapOnly("imap.nohttps.test")),
		"autoconfig.premium.europe.bighost.test" + cfgPath: xmlBody(imapOnly("imap.premium.bighost.test")),
		"autoconfig.bighost.test" + cfgPath:                xmlBody(imapOnly("imap.bighost.test")),
		"ispdb.test/v1/gmail.com":                          http.NotFoundHandler().ServeHTTP,
		"autoconfig.plainonly.test" + cfgPath:              xmlFile(t, "plain-only.xml"),
		"ispdb.test/v1/plainonly.test":                     xmlBody(imapOnly("imap.plainonly.test")),
		"autoconfig.gmailhost.test" + cfgPath:              xmlBody(imapOnly("imap.gmail.com")),
	}, testimap.DNSRecords{
		MX: []testimap.DNSMX{
			{Name: "mxcust.test", Target: "mx2.hoster.test", Pref: 20},
			{Name: "mxcust.test", Target: "mx1.hoster.test", Pref: 10},
			{Name: "mxcust.test", Target: "mx9.elsewhere.test", Pref: 30},
			{Name: "ispdbcust.test", Target: "mx.ispdb-hoster.test", Pref: 10},
			{Name: "premiumcust.test", Target: "mx.premium.europe.bighost.test", Pref: 10},
			{Name: "workspace.test", Target: "aspmx.l.google.com", Pref: 1},
			{Name: "m365.test", Target: "m365-test.mail.protection.outlook.com", Pref: 0},
		},
		SRV: []testimap.DNSSRV{
			{Name: "_imaps._tcp.srv.test", Target: "imap.srvhost.test", Port: 993, Priority: 10, Weight: 1},
			{Name: "_imaps._tcp.srv.test", Target: "imap-backup.srvhost.test", Port: 993, Priority: 20, Weight: 100},
			{Name: "_imap._tcp.srv.test", Target: "imap.srvhost.test", Port: 143, Priority: 0, Weight: 1},
			{Name: "_submission._tcp.srv.test", Target: "smtp.srvhost.test", Port: 587, Priority: 0, Weight: 1},
			{Name: "_imap._tcp.srv143.test", Target: "mail.srv143.test", Port: 143, Priority: 0, Weight: 1},
			{Name: "_imaps._tcp.srvnone.test", Target: ".", Port: 0, Priority: 0, Weight: 0},
		},
		A: map[string]string{"wk.test": "127.0.0.1"},
	})
	type want struct {
		src     Source
		imap    Server
		smtp    *Server
		confirm bool
		from    string // a piece of From
		hint    string // a piece of Hint
	}
	tls := func(h string, user string) Server {
		return Server{Host: h, Port: 993, Security: vault.TLS, Username: user}
	}
	tests := []struct {
		addr string
		want want
	}{
		{"fred@alpha.test", want{src: SourceAutoconfig, imap: Server{Host: "imap.alpha.test", Port: 993, Security: vault.TLS, Username: "fred"},
			smtp: &Server{Host: "smtp.alpha.test", Port: 465, Security: vault.TLS, Username: "fred@alpha.test"},
			from: "https://autoconfig.alpha.test/mail/config-v1.1.xml?emailaddress=fred%40alpha.test"}},
		{"a@wk.test", want{src: SourceWellKnown, imap: tls("imap.wk.test", "a@wk.test"), from: "https://wk.test/.well-known/"}},
		{"a@db.test", want{src: SourceISPDB, imap: tls("imap.db.test", "a@db.test"), from: "https://ispdb.test/v1/db.test"}},
		// The ISPDB answers first, but autoconfig is preferred: it waits
		// for it (the autoconfig handler holds until the ISPDB was asked).
		{"a@both.test", want{src: SourceAutoconfig, imap: tls("imap.from-autoconfig.test", "a@both.test")}},
		// The most preferred MX (mx1.hoster.test, pref 10) -> hoster.test.
		{"a@mxcust.test", want{src: SourceMX, imap: tls("imap.hoster.test", "a@mxcust.test"), confirm: true,
			from: "MX record mx1.hoster.test"}},
		{"a@ispdbcust.test", want{src: SourceMX, imap: tls("imap.ispdb-hoster.test", "a@ispdbcust.test"), confirm: true,
			from: "https://ispdb.test/v1/ispdb-hoster.test"}},
		// MXFULLDOMAIN (3.1) before MXBASEDOMAIN (3.2).
		{"a@premiumcust.test", want{src: SourceMX, imap: tls("imap.premium.bighost.test", "a@premiumcust.test"), confirm: true,
			from: "autoconfig.premium.europe.bighost.test"}},
		// SRV: _imaps (priority 10) beats the lower-priority backup and is
		// preferred over _imap; _submission is STARTTLS.
		{"a@srv.test", want{src: SourceSRV, imap: tls("imap.srvhost.test", "a@srv.test"), confirm: true,
			smtp: &Server{Host: "smtp.srvhost.test", Port: 587, Security: vault.STARTTLS, Username: "a@srv.test"}, from: "_imaps._tcp.srv.test"}},
		{"a@srv143.test", want{src: SourceSRV, imap: Server{Host: "mail.srv143.test", Port: 143, Security: vault.STARTTLS, Username: "a@srv143.test"}, confirm: true}},
		// The table by MX: a custom domain at Google Workspace, Microsoft 365.
		{"a@workspace.test", want{src: SourceBuiltin, imap: tls("imap.gmail.com", "a@workspace.test"), confirm: true,
			smtp: &Server{Host: "smtp.gmail.com", Port: 465, Security: vault.TLS, Username: "a@workspace.test"}, hint: "Google Workspace"}},
		{"a@m365.test", want{src: SourceBuiltin, imap: tls("outlook.office365.com", "a@m365.test"), confirm: true,
			smtp: &Server{Host: "smtp.office365.com", Port: 587, Security: vault.STARTTLS, Username: "a@m365.test"}, hint: "OAuth2 only"}},
		// The table by domain, after the ISPDB said 404 (gmail.com is not in
		// this DNS: autoconfig.gmail.com has no address here).
		{"someone@gmail.com", want{src: SourceBuiltin, imap: tls("imap.gmail.com", "someone@gmail.com"),
			smtp: &Server{Host: "smtp.gmail.com", Port: 465, Security: vault.TLS, Username: "someone@gmail.com"}, hint: "app password"}},
		// A cleartext-only autoconfig is refused; the ISPDB's TLS one is used.
		{"a@plainonly.test", want{src: SourceISPDB, imap: tls("imap.plainonly.test", "a@plainonly.test")}},
		// A config from elsewhere naming a known server gains its hint.
		{"a@gmailhost.test", want{src: SourceAutoconfig, imap: tls("imap.gmail.com", "a@gmailhost.test"), hint: "Gmail"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			r, err := Discover(context.Background(), tt.addr, w.opts())
			if err != nil {
				t.Fatal(err)
			}
			if r.Source != tt.want.src || r.IMAP != tt.want.imap || !reflect.DeepEqual(r.SMTP, tt.want.smtp) || r.Confirm != tt.want.confirm {
				t.Errorf("got source %s imap %+v smtp %+v confirm %v\nwant %+v", r.Source, r.IMAP, r.SMTP, r.Confirm, tt.want)
			}
			if !strings.Contains(r.From, tt.want.from) || !strings.Contains(r.Hint, tt.want.hint) {
				t.Errorf("from %q hint %q, want them to hold %q and %q", r.From, r.Hint, tt.want.from, tt.want.hint)
			}
			if r.Confirm && r.Why == "" {
				t.Errorf("confirm without a reason")
			}
		})
	}
	t.Run("oauth block", func(t *testing.T) {
		r, err := Discover(context.Background(), "fred@alpha.test", w.opts())
		if err != nil {
			t.Fatal(err)
		}
		want := &OAuth2{Issuer: "login.alpha.test", AuthURL: "https://login.alpha.test/auth", TokenURL: "https://login.alpha.test/token",
			Scopes: []string{"IMAP", "SMTP", "offline_access"}, ClientID: "open", ClientSecret: "published-not-secret"}
		if !reflect.DeepEqual(r.OAuth, want) || !reflect.DeepEqual(r.Auth, []Auth{AuthOAuth2, AuthPassword}) || r.Provider != "Alpha Mail" {
			t.Errorf("oauth %+v auth %v provider %q", r.OAuth, r.Auth, r.Provider)
		}
	})
	t.Run("every lookup went to the resolver", func(t *testing.T) {
		log := w.dns.Log()
		for _, q := range []string{"query[A] autoconfig.alpha.test", "query[MX] mxcust.test", "query[SRV] _imaps._tcp.srv.test",
			"query[A] ispdb.test", "query[AAAA] autoconfig.alpha.test"} {
			if !strings.Contains(log, q) {
				t.Errorf("dnsmasq's log has no %q:\n%s", q, log)
			}
		}
	})
	t.Run("not found names what was tried", func(t *testing.T) {
		_, err := Discover(context.Background(), "a@nothing.test", w.opts())
		var nf *NotFoundError
		if !errors.As(err, &nf) || !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v, want a NotFoundError", err)
		}
		seen := map[Source]bool{}
		for _, a := range nf.Tried {
			seen[a.Source] = true
		}
		for _, s := range []Source{SourceAutoconfig, SourceWellKnown, SourceISPDB, SourceMX, SourceSRV, SourceBuiltin} {
			if !seen[s] {
				t.Errorf("%s is missing from %v", s, err)
			}
		}
		for _, piece := range []string{"https://autoconfig.nothing.test/mail/config-v1.1.xml", "HTTP 404", "SRV _imaps._tcp.nothing.test"} {
			if !strings.Contains(err.Error(), piece) {
				t.Errorf("error %q does not say %q", err, piece)
			}
		}
	})
	t.Run("SRV target . is no service", func(t *testing.T) {
		if r, err := Discover(context.Background(), "a@srvnone.test", w.opts()); err == nil {
			t.Fatalf("got %+v from a '.' SRV target", r)
		}
	})
}

// TestLookupsFollowTheResolver proves discovery asks the resolver it is
// given and nothing else: pointed at a second dnsmasq that knows none of
// the names, it finds nothing and never reaches the HTTPS server.
func TestLookupsFollowTheResolver(t *testing.T) {
	w := newWorld(t, route{"autoconfig.alpha.test" + cfgPath: xmlFile(t, "alpha.xml")}, testimap.DNSRecords{})
	empty := testimap.StartDNS(t, testimap.DNSRecords{})
	o := w.opts()
	o.Resolver = empty.Addr()
	if r, err := Discover(context.Background(), "fred@alpha.test", o); err == nil {
		t.Fatalf("found %+v through a resolver that knows no such name", r)
	}
	if len(w.requests()) != 0 {
		t.Errorf("the HTTPS server was reached: %v", w.requests())
	}
	if log := empty.Log(); !strings.Contains(log, "query[A] autoconfig.alpha.test") {
		t.Errorf("the empty resolver was not asked:\n%s", log)
	}
	if r, err := Discover(context.Background(), "fred@alpha.test", w.opts()); err != nil || r.Source != SourceAutoconfig {
		t.Fatalf("through the world's resolver: %+v, %v", r, err)
	}
}

func TestOffline(t *testing.T) {
	r, err := Discover(context.Background(), "Someone@GMail.com", Options{Offline: true, Resolver: "127.0.0.1:1", ISPDB: "https://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != SourceBuiltin || r.IMAP.Host != "imap.gmail.com" || r.IMAP.Username != "Someone@gmail.com" || r.Confirm {
		t.Errorf("got %+v", r)
	}
	_, err = Discover(context.Background(), "a@unknown.test", Options{Offline: true})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.Offline || !strings.Contains(err.Error(), "offline") {
		t.Errorf("err = %v", err)
	}
}
