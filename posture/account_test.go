package posture

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

func TestIsMicrosoft(t *testing.T) {
	for host, want := range map[string]bool{
		"outlook.office365.com": true, "smtp.office365.com": true, "smtp-mail.outlook.com": true,
		"imap-mail.outlook.com": true, "Outlook.Office365.com.": true, "outlook.office.com": true,
		"partner.outlook.cn": true, "outlook.office365.us": true,
		"imap.gmail.com": false, "notoutlook.com": false, "outlook.com.example.org": false, "": false,
	} {
		if got := IsMicrosoft(host); got != want {
			t.Errorf("IsMicrosoft(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSunset(t *testing.T) {
	a := &vault.Account{Host: "outlook.office365.com", SMTP: &vault.Endpoint{Host: "smtp.office365.com", Security: vault.STARTTLS}}
	eps := Endpoints(a)
	if len(eps) != 2 || eps[0].Name() != "imap outlook.office365.com:993" || eps[1].Name() != "smtp smtp.office365.com:587" {
		t.Fatalf("endpoints %v", eps)
	}
	for _, ep := range eps {
		f, ok := sunsetFinding(a, ep)
		if !ok || f.Kind != BasicAuthSunset || f.Severity != Medium || f.Endpoint != ep.Name() {
			t.Errorf("%s: %+v %v", ep.Name(), f, ok)
		}
	}
	if f, _ := sunsetFinding(a, eps[1]); !strings.Contains(f.Message, "December 2026") {
		t.Errorf("the SMTP sunset names its date: %s", f.Message)
	}
	a.Auth = vault.AuthOAuth2
	if _, ok := sunsetFinding(a, eps[0]); ok {
		t.Error("an OAuth2 account has no basic auth to lose")
	}
}

// Accounts: accounts sharing a server get its findings; an endpoint that
// cannot be probed keeps what the last posture found there, and says why.
func TestAccounts(t *testing.T) {
	p := newPKI(t)
	s := startRaw(t, IMAP, vault.STARTTLS, p.leaf(t, leafSpec{}), true)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	old := vault.PostureFinding{Kind: OldTLS, Severity: Medium, Endpoint: "smtp 127.0.0.1:" + itoa(down), Message: "seen before"}
	mk := func(name string, smtp bool) *vault.Account {
		a := &vault.Account{ID: name, Name: name, Host: "127.0.0.1", Port: s.port(), Security: vault.STARTTLS}
		if smtp {
			a.SMTP = &vault.Endpoint{Host: "127.0.0.1", Port: down, Security: vault.TLS}
			a.LastCheck = &vault.Check{Posture: &vault.Posture{Findings: []vault.PostureFinding{old,
				{Kind: StartTLSInjection, Severity: High, Endpoint: "imap elsewhere:143", Message: "other endpoint"}}}}
		}
		return a
	}
	accts := []*vault.Account{mk("one", false), mk("two", true), mk("three", false)}
	pr := New(Options{TLSConfig: &tls.Config{RootCAs: p.pool}})
	rs := pr.Accounts(context.Background(), accts)
	for i, r := range rs {
		if r.Posture == nil {
			t.Fatalf("%s: no posture", accts[i].Name)
		}
		var kinds []string
		for _, f := range r.Posture.Findings {
			kinds = append(kinds, f.Kind)
		}
		// starttls_only too, unless something listens on 993 here.
		want := []string{StartTLSInjection, StartTLSOnly}
		if i == 1 {
			want = []string{StartTLSInjection, StartTLSOnly, OldTLS}
		}
		if listening("127.0.0.1:993") {
			want = slices.DeleteFunc(want, func(k string) bool { return k == StartTLSOnly })
		}
		if i == 1 {
			if len(r.Errs) != 1 || !strings.HasPrefix(r.Errs[0].Error(), "smtp 127.0.0.1:"+itoa(down)+": cannot connect") {
				t.Errorf("errors: %v", r.Errs)
			}
			if last := r.Posture.Findings[len(r.Posture.Findings)-1]; last != old {
				t.Errorf("carried: %+v", last)
			}
		} else if len(r.Errs) != 0 {
			t.Errorf("%s: errors %v", accts[i].Name, r.Errs)
		}
		if !slices.Equal(kinds, want) {
			t.Errorf("%s: kinds %v, want %v", accts[i].Name, kinds, want)
		}
	}
	if n := s.conns.Load(); n != 4 { // the 993 probe goes elsewhere
		t.Errorf("three accounts on one server: %d connections, want one probe's 4", n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// listening reports whether something accepts connections at addr (a
// system Dovecot on 993, say).
func listening(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
