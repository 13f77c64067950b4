package importers

import (
	"testing"

	"github.com/imapvault/imapvault/internal/nsstest"
	"github.com/imapvault/imapvault/vault"
)

// Outgoing servers and identities come with the IMAP accounts: each
// account's default identity gives the address and names its SMTP server
// (or the default one), and a saved smtp:// login stands in for a missing
// IMAP password.
func TestThunderbirdSending(t *testing.T) {
	servers := []nsstest.Server{
		{ID: "server1", Name: "Work", Host: "imap.work.example", User: "jane@work.example", Pass: "tb-work", SocketType: 3, Type: "imap",
			Email: "jane@work.example", SMTP: "smtp1"},
		{ID: "server2", Name: "Home", Host: "mail.home.example", User: "jane", Pass: "tb-home", SocketType: 3, Type: "imap",
			Email: "jane@home.example"},
		{ID: "server3", Name: "Lab", Host: "127.0.0.1", User: "tester", Port: 1143, Type: "imap", Email: "tester@lab.example", SMTP: "smtp3"},
		{ID: "server4", Name: "Relay", Host: "imap.relay.example", User: "r", Pass: "tb-relay", SocketType: 3, Type: "imap", SMTP: "smtp4"},
	}
	smtps := []nsstest.SMTPServer{
		{Key: "smtp1", Host: "smtp.work.example", User: "jane@work.example", Pass: "tb-work", Port: 587, TrySSL: 2},
		{Key: "smtp2", Host: "mail.home.example", User: "jane.sender", TrySSL: 3},
		{Key: "smtp3", Host: "127.0.0.1", User: "tester", Pass: "tb-lab-smtp", Port: 1025},
		{Key: "smtp4", Host: "relay.example", Port: 25, Auth: 1},
	}
	dir := nsstest.MakeProfileSMTP(t, "", false, servers, smtps, "smtp2")
	res, err := ReadThunderbird(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		addr, pass string
		smtp       *vault.Endpoint
	}{
		{"jane@work.example", "tb-work", &vault.Endpoint{Host: "smtp.work.example", Port: 587, Security: vault.STARTTLS}},
		{"jane@home.example", "tb-home", &vault.Endpoint{Host: "mail.home.example", Port: 465, Security: vault.TLS, Username: "jane.sender"}},
		{"tester@lab.example", "tb-lab-smtp", &vault.Endpoint{Host: "127.0.0.1", Port: 1025, Security: vault.Insecure}},
		{"", "tb-relay", nil},
	}
	if len(res.Accounts) != len(want) {
		t.Fatalf("%d accounts: %+v", len(res.Accounts), res)
	}
	for i, w := range want {
		a := res.Accounts[i]
		if a.Address != w.addr || a.Password != w.pass || (a.SMTP == nil) != (w.smtp == nil) || (a.SMTP != nil && *a.SMTP != *w.smtp) {
			t.Errorf("%s: address %q password %q smtp %+v; want %+v", a.Name, a.Address, a.Password, a.SMTP, w)
		}
	}
}
