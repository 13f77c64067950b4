package discover

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

func mustAddress(t *testing.T, s string) address {
	t.Helper()
	a, err := parseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseConfig(t *testing.T) {
	fred := "fred@alpha.test"
	tests := []struct {
		file, addr string
		want       *config
		err        string
	}{
		// POP3 and JMAP skipped; implicit TLS preferred over the STARTTLS
		// entry listed first; the SASL-only mechanism skipped; placeholders.
		{file: "alpha.xml", addr: fred, want: &config{
			provider: "Alpha Mail",
			imap:     Server{Host: "imap.alpha.test", Port: 993, Security: vault.TLS, Username: "fred"},
			imapAuth: []Auth{AuthOAuth2, AuthPassword},
			smtp:     &Server{Host: "smtp.alpha.test", Port: 465, Security: vault.TLS, Username: fred},
			oauth: &OAuth2{Issuer: "login.alpha.test", AuthURL: "https://login.alpha.test/auth",
				TokenURL: "https://login.alpha.test/token", Scopes: []string{"IMAP", "SMTP", "offline_access"},
				ClientID: "open", ClientSecret: "published-not-secret"},
		}},
		// Version 1.1 without <authentication> and without SMTP.
		{file: "v11.xml", addr: "a@old.test", want: &config{
			imap:     Server{Host: "mail.old.test", Port: 993, Security: vault.TLS, Username: "a@old.test"},
			imapAuth: []Auth{AuthPassword},
		}},
		// A cleartext entry before a STARTTLS one: STARTTLS, and the
		// cleartext-only SMTP server is dropped, not proposed.
		{file: "plain-first.xml", addr: "a@mixed.test", want: &config{
			imap:     Server{Host: "imap.mixed.test", Port: 143, Security: vault.STARTTLS, Username: "a@mixed.test"},
			imapAuth: []Auth{AuthPassword},
		}},
		{file: "plain-only.xml", addr: "a@plain.test", err: ErrCleartext.Error()},
		{file: "pop-only.xml", addr: "a@pop.test", err: "no <imap> section"},
		{file: "bad-host.xml", addr: "a@bad.test", err: "not a port"},
		{file: "entity.xml", addr: "a@bomb.test", err: "invalid character entity"},
		// An http authURL makes the OAuth2 block unusable: dropped.
		{file: "oauth-http.xml", addr: "a@o.test", want: &config{
			imap:     Server{Host: "imap.o.test", Port: 993, Security: vault.TLS, Username: "a@o.test"},
			imapAuth: []Auth{AuthOAuth2},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := parseConfig(readTestdata(t, tt.file), mustAddress(t, tt.addr))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tt.want) {
				t.Errorf("got  %+v\nwant %+v", c, tt.want)
			}
		})
	}
}

func TestParseXMLLimits(t *testing.T) {
	server := `<incomingServer type="imap"><hostname>h.test</hostname><port>993</port><socketType>SSL</socketType></incomingServer>`
	wrap := func(inner string) string {
		return `<clientConfig version="1.1"><emailProvider id="x">` + inner + `</emailProvider></clientConfig>`
	}
	tests := []struct {
		name, doc, err string
	}{
		{"deep", wrap(strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + server), "nested deeper than"},
		{"many elements", wrap(strings.Repeat("<a/>", maxElements+1) + server), "more than 2000 elements"},
		{"long text", wrap("<displayName>" + strings.Repeat("x", maxTextLen+1) + "</displayName>" + server), "longer than"},
		{"many attributes", wrap(`<a` + strings.Repeat(` x="1"`, 1) + attrs(maxAttrs+1) + `/>` + server), "attributes"},
		{"second root", wrap(server) + "<clientConfig/>", "second root"},
		{"wrong root", `<html><body>not found</body></html>`, "not <clientConfig>"},
		{"latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?>` + wrap(server), "only UTF-8"},
		{"not xml", `{"imap": "h.test"}`, ErrBadXML.Error()},
		{"truncated", wrap(server)[:60], ErrBadXML.Error()},
		{"empty", ``, "no element"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tt.doc), mustAddress(t, "a@x.test"))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want one saying %q", err, tt.err)
			}
		})
	}
	// The same server, within the limits, is read.
	if _, err := parseConfig([]byte(wrap(server)), mustAddress(t, "a@x.test")); err != nil {
		t.Fatalf("a small valid file: %v", err)
	}
}

func attrs(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(` a` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `="1"`)
	}
	return b.String()
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in, full, local, domain string
		bad                     bool
	}{
		{in: "fred@Example.COM", full: "fred@example.com", local: "fred", domain: "example.com"},
		{in: " Fred.Smith+tag@example.com. ", full: "Fred.Smith+tag@example.com", local: "Fred.Smith+tag", domain: "example.com"},
		{in: "\"a@b\"@example.org", full: "\"a@b\"@example.org", local: "\"a@b\"", domain: "example.org"},
		{in: "jörg@bücher.example", full: "jörg@xn--bcher-kva.example", local: "jörg", domain: "xn--bcher-kva.example"},
		{in: "fred", bad: true},
		{in: "@example.com", bad: true},
		{in: "fred@", bad: true},
		{in: "fred@localhost", bad: true},
		{in: "fred@127.0.0.1", bad: true},
		{in: "fred@exa mple.com", bad: true},
		{in: "fr ed@example.com", bad: true},
		{in: "fred@example.com/evil", bad: true},
		{in: "fred@a..b", bad: true},
	}
	for _, tt := range tests {
		a, err := parseAddress(tt.in)
		if tt.bad {
			if !errors.Is(err, ErrInvalidAddress) {
				t.Errorf("parseAddress(%q) = %+v, %v; want ErrInvalidAddress", tt.in, a, err)
			}
			continue
		}
		if err != nil || a.full != tt.full || a.local != tt.local || a.domain != tt.domain {
			t.Errorf("parseAddress(%q) = %+v, %v; want %s %s %s", tt.in, a, err, tt.full, tt.local, tt.domain)
		}
	}
}

func TestMXDomains(t *testing.T) {
	tests := []struct {
		mx, own string
		want    []string
	}{
		{"mx.example.com", "customer.test", []string{"example.com"}},
		{"mx.example.co.uk", "customer.test", []string{"example.co.uk"}},
		{"mx.premium.europe.example.com", "customer.test", []string{"premium.europe.example.com", "example.com"}},
		{"customer-test.mail.protection.outlook.com", "customer.test", []string{"mail.protection.outlook.com", "outlook.com"}},
		{"mx.customer.test", "customer.test", nil},
		{"mx1.mail.customer.test", "customer.test", []string{"mail.customer.test"}},
	}
	for _, tt := range tests {
		if got := mxDomains(tt.mx, tt.own); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("mxDomains(%q, %q) = %q, want %q", tt.mx, tt.own, got, tt.want)
		}
	}
}

// BenchmarkParseConfig: reading a full config file (alpha.xml, 2.5 KB).
func BenchmarkParseConfig(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "alpha.xml"))
	if err != nil {
		b.Fatal(err)
	}
	a, _ := parseAddress("fred@alpha.test")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := parseConfig(data, a); err != nil {
			b.Fatal(err)
		}
	}
}
