package importers

import (
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

// sendingVault holds the IMAP halves of the msmtp fixture's accounts, and
// two accounts that share an address.
func sendingVault(t *testing.T) *vault.Vault {
	t.Helper()
	v := vault.New()
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, a := range []*vault.Account{
		{Name: "Work", Host: "imap.work.example", Username: "jane@work.example", Password: "vault-work"},
		{Name: "Home", Host: "mail.home.example", Username: "jane", Port: 143, Security: vault.STARTTLS},
		{Name: "Gmail", Host: "imap.gmail.com", Username: "jane@gmail.com", Auth: vault.AuthOAuth2, OAuth: &vault.OAuth{Provider: "google"}},
		// another jane at another site: not Home's sending half
		{Name: "Elsewhere", Host: "imap.elsewhere.example", Username: "jane"},
		{Name: "Shared1", Host: "imap.team.example", Username: "a", Address: "team@team.example"},
		{Name: "Shared2", Host: "imap.team.example", Username: "b", Address: "team@team.example"},
	} {
		if err := v.Add(a, now); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

func TestPlanJoinsMsmtpToItsAccounts(t *testing.T) {
	_, res := fixture(t, "msmtp")
	accts := append(res.Accounts, Account{Name: "team", Username: "team", Address: "team@team.example", SendOnly: true,
		SMTP: &vault.Endpoint{Host: "smtp.team.example", Port: 587, Security: vault.STARTTLS}, Where: "rc:99"})
	for _, update := range []bool{false, true} {
		v := sendingVault(t)
		steps := Plan(v, accts, update)
		type want struct {
			action  Action
			name    string
			changes string
			note    string
		}
		wants := map[string]want{
			// the login is an address: Work
			"work": {Update, "Work", "smtp,address", ""},
			// the same login at the same site; Work's password stays
			"home":  {Update, "Home", "smtp,address,password", ""},
			"gmail": {Update, "Gmail", "smtp,address", ""},
			"lab":   {Unmatched, "", "", "no account in the vault or this import has its login or address"},
			"team":  {Unmatched, "", "", `it could belong to "Shared1" or "Shared2"`},
		}
		for _, st := range steps {
			w := wants[st.Account.Name]
			if !update && (w.action == Update || w.action == Unchanged) {
				w.action, w.changes = Present, ""
			}
			if st.Action != w.action || st.Name != w.name || strings.Join(st.Changes, ",") != w.changes || !strings.Contains(st.Note, w.note) {
				t.Errorf("update=%v %s: %s %q %v note %q; want %+v", update, st.Account.Name, st.Action, st.Name, st.Changes, st.Note, w)
			}
		}
		// work's passwordeval is not wanted: Work has a password.
		if steps[0].WantsSecret(update) || steps[0].Account.PassCmd != "" {
			t.Errorf("work's command would run: %+v", steps[0])
		}
		if !update {
			continue
		}
		changed := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		if err := Apply(v, steps, now, changed); err != nil {
			t.Fatal(err)
		}
		w, h, g := v.Find("Work"), v.Find("Home"), v.Find("Gmail")
		if w.SMTP == nil || *w.SMTP != (vault.Endpoint{Host: "smtp.work.example", Port: 587, Security: vault.STARTTLS}) ||
			w.Address != "jane@work.example" || w.Password != "vault-work" {
			t.Errorf("Work: %+v %+v", w, w.SMTP)
		}
		if h.SMTP == nil || *h.SMTP != (vault.Endpoint{Host: "mail.home.example", Port: 465, Security: vault.TLS}) ||
			h.Password != "home secret with spaces" || !h.Changed.Equal(changed) || !h.Modified.Equal(now) {
			t.Errorf("Home: %+v %+v", h, h.SMTP)
		}
		if g.SMTP == nil || g.SMTP.Host != "smtp.gmail.com" || g.Password != "" {
			t.Errorf("Gmail: %+v", g.SMTP)
		}
		if e := v.Find("Elsewhere"); e.SMTP != nil {
			t.Errorf("Elsewhere got %+v", e.SMTP)
		}
	}
}

// A plaintext msmtp password that differs from the vault's is not taken
// and the step says so; one the vault lacks is taken.
func TestPlanSendingKeepsTheVaultsPassword(t *testing.T) {
	v := sendingVault(t)
	v.Find("Home").Password = "vault-home"
	_, res := fixture(t, "msmtp")
	steps := Plan(v, res.Accounts, true)
	home := steps[1]
	if home.Account.Name != "home" || strings.Contains(strings.Join(home.Changes, ","), "password") || !strings.Contains(home.Note, "differs from the vault's") {
		t.Fatalf("home: %+v", home)
	}
	if err := Apply(v, steps, time.Now(), time.Time{}); err != nil || v.Find("Home").Password != "vault-home" {
		t.Fatalf("Apply: %v, password %q", err, v.Find("Home").Password)
	}
}

// A sending half joins an account this import adds: no --update needed,
// and its password command goes with it (run once, for the account).
func TestPlanJoinsSendingToAnAddedAccount(t *testing.T) {
	v := vault.New()
	accts := []Account{
		{Name: "mail", Host: "imap.x.example", Port: 993, Security: vault.TLS, Username: "bob", Where: "a:1"},
		{Name: "x", Username: "bob", SendOnly: true, PassCmd: "pass x", Address: "bob@x.example",
			SMTP: &vault.Endpoint{Host: "smtp.x.example", Port: 587, Security: vault.STARTTLS}, Where: "b:1"},
		{Name: "x2", Username: "bob", SendOnly: true, SMTP: &vault.Endpoint{Host: "smtp.x.example", Port: 587, Security: vault.STARTTLS}, Where: "b:5"},
	}
	steps := Plan(v, accts, false)
	if steps[0].Action != Add || steps[1].Action != Joined || steps[1].Name != "mail" || steps[2].Action != Duplicate {
		t.Fatalf("steps: %+v", steps)
	}
	a := steps[0].Account
	if a.SMTP == nil || a.SMTP.Host != "smtp.x.example" || a.SMTP.Username != "" || a.Address != "bob@x.example" || a.PassCmd != "pass x" {
		t.Fatalf("the added account: %+v %+v", a, a.SMTP)
	}
	if !steps[0].WantsSecret(false) || steps[1].WantsSecret(false) {
		t.Error("the command should run for the added account only")
	}
	steps[0].Account.Password = "from-cmd"
	if err := Apply(v, steps, time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := v.Find("mail"); len(v.Accounts) != 1 || got.SMTP == nil || got.Address != "bob@x.example" || got.Password != "from-cmd" {
		t.Fatalf("vault: %+v", v.Accounts)
	}
}

func TestSameSite(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"smtp.example.org", "imap.example.org", true},
		{"smtp.example.co.uk", "mail.example.co.uk", true},
		{"smtp.a.co.uk", "imap.b.co.uk", false},
		{"smtp.gmail.com", "imap.googlemail.com", false},
		{"127.0.0.1", "127.0.0.1", true},
		{"127.0.0.1", "127.0.0.2", false},
		{"localhost", "LOCALHOST.", true},
	} {
		if got := sameSite(tc.a, tc.b); got != tc.want {
			t.Errorf("sameSite(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}

// --update fills the SMTP server and address an IMAP source names into
// the account already in the vault; without --update it is only reported.
func TestPlanUpdateFillsSendingFromAnyClient(t *testing.T) {
	v := vault.New()
	if err := v.Add(&vault.Account{Name: "mail", Host: "imap.x.example", Username: "me@x.example", Password: "pw"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := Account{Name: "x", Host: "imap.x.example", Port: 993, Security: vault.TLS, Username: "me@x.example", Address: "me@x.example",
		SMTP: &vault.Endpoint{Host: "smtp.x.example", Port: 587, Security: vault.STARTTLS, Username: "me@x.example"}}
	if st := Plan(v, []Account{a}, false)[0]; st.Action != Present {
		t.Fatalf("without --update: %+v", st)
	}
	steps := Plan(v, []Account{a}, true)
	if st := steps[0]; st.Action != Update || strings.Join(st.Changes, ",") != "smtp,address" {
		t.Fatalf("--update: %+v", st)
	}
	if err := Apply(v, steps, time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	got := v.Find("mail")
	if got.SMTP == nil || *got.SMTP != (vault.Endpoint{Host: "smtp.x.example", Port: 587, Security: vault.STARTTLS}) || got.Address != "me@x.example" {
		t.Fatalf("after: %+v %+v", got, got.SMTP)
	}
	if st := Plan(v, []Account{a}, true)[0]; st.Action != Unchanged {
		t.Fatalf("a second --update: %+v", st)
	}
}
