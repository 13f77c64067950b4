package importers

import (
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// aerc's outgoing and from reach the vault: a new account gets its SMTP
// endpoint and address; a sendmail outgoing is no endpoint.
func TestAercSendingIsImported(t *testing.T) {
	conf := `[mail]
source = imaps://me%40example.org@imap.example.org
source-cred-cmd = pass mail
outgoing = smtp://sender@smtp.example.org:587
from = Me <me+x@example.org>

[local-send]
source = imaps://you@imap.example.org
outgoing = /usr/sbin/sendmail
from = not an address
`
	r, err := ParseAerc("accounts.conf", []byte(conf))
	if err != nil {
		t.Fatal(err)
	}
	a, b := r.Accounts[0], r.Accounts[1]
	if a.Address != "me+x@example.org" || a.SMTP == nil || a.SMTP.Host != "smtp.example.org" || a.SMTP.Port != 587 ||
		a.SMTP.Security != vault.STARTTLS || a.SMTP.Username != "sender" {
		t.Fatalf("mail: address %q smtp %+v", a.Address, a.SMTP)
	}
	if b.SMTP != nil || b.Address != "" {
		t.Fatalf("local-send: address %q smtp %+v", b.Address, b.SMTP)
	}
	v := vault.New()
	a.Password = "pw"
	if err := Apply(v, Plan(v, []Account{a}, false), time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	got := v.Accounts[0]
	if got.Address != a.Address || got.SMTP == nil || got.SMTP.Host != "smtp.example.org" || got.SMTPUsername() != "sender" {
		t.Fatalf("imported account: %q %+v", got.Address, got.SMTP)
	}
}
