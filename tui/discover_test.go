package tui

import (
	"context"
	"reflect"
	"testing"

	"github.com/imapvault/imapvault/discover"
	"github.com/imapvault/imapvault/vault"
)

// TestAddFormDiscovers: the add form takes an address first, fills the
// rest from discovery (here the built-in table, offline) and saves the
// address and the SMTP endpoint with the account.
func TestAddFormDiscovers(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("a", "'fred@gmail.com", "tab")
	d.wantScreen("found by builtin: imap.gmail.com:993 tls", "smtp smtp.gmail.com:465 tls", "Gmail: use OAuth2")
	if f := d.m.form; f.inputs[fName].Value() != "fred@gmail.com" || f.inputs[fHost].Value() != "imap.gmail.com" ||
		f.inputs[fPort].Value() != "993" || f.inputs[fUser].Value() != "fred@gmail.com" || f.focused != fName {
		t.Fatalf("fields not filled:\n%s", d.screen())
	}
	d.keys("tab", "tab", "tab", "tab", "tab", "'app-password-1", "ctrl+s")
	a := fx.reopen(t).Find("fred@gmail.com")
	want := &vault.Endpoint{Host: "smtp.gmail.com", Port: 465, Security: vault.TLS}
	if a == nil || a.Address != "fred@gmail.com" || a.Host != "imap.gmail.com" || !reflect.DeepEqual(a.SMTP, want) {
		t.Fatalf("saved %+v", a)
	}

	// Nothing found: said, and the fields stay for typing.
	d.keys("a", "'a@nowhere.test", "tab")
	d.wantScreen("no servers found: type them below")
	if d.m.form.inputs[fHost].Value() != "" {
		t.Errorf("host filled from nothing")
	}
}

// TestAddFormWarnsAboutDNS: a result that rests on DNS is shown as a
// warning that names what to check; typed fields are kept.
func TestAddFormWarnsAboutDNS(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	opts := fx.options()
	asked := ""
	opts.Discover = func(_ context.Context, addr string) (*discover.Result, error) {
		asked = addr
		return &discover.Result{Address: addr, Source: discover.SourceMX, Confirm: true,
			Why:  "check that your mail provider runs hoster.test",
			IMAP: discover.Server{Host: "imap.hoster.test", Port: 143, Security: vault.STARTTLS, Username: addr}}, nil
	}
	d := newDriver(t, fx.model(opts))
	if d.m.screen == scrUnlock && d.m.unlock.needPass {
		d.typeText(testPassphrase)
		d.keys("enter")
	}
	d.keys("a", "tab", "'mine", "up")
	d.keys("'ann@cust.test", "tab")
	if asked != "ann@cust.test" {
		t.Fatalf("discovery asked for %q", asked)
	}
	d.wantScreen("found by mx: imap.hoster.test:143 starttls", "check before saving: check that your mail provider", "hoster.test")
	if f := d.m.form; f.inputs[fName].Value() != "mine" || f.inputs[fSecurity].Value() != "starttls" {
		t.Errorf("name %q security %q", f.inputs[fName].Value(), f.inputs[fSecurity].Value())
	}
}
