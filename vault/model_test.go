package vault

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseSecurity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Security
		port int
	}{
		{"", TLS, 993}, {"tls", TLS, 993}, {" SSL ", TLS, 993}, {"imaps", TLS, 993},
		{"starttls", STARTTLS, 143}, {"STARTTLS", STARTTLS, 143},
		{"insecure", Insecure, 143}, {"plain", Insecure, 143}, {"none", Insecure, 143},
	} {
		got, err := ParseSecurity(tc.in)
		if err != nil || got != tc.want || got.DefaultPort() != tc.port {
			t.Errorf("ParseSecurity(%q) = %q (port %d), %v; want %q (port %d)", tc.in, got, got.DefaultPort(), err, tc.want, tc.port)
		}
	}
	for _, bad := range []string{"ssl3", "tls1.2", "starttls-or-plain"} {
		if _, err := ParseSecurity(bad); err == nil || !strings.Contains(err.Error(), "want tls, starttls or insecure") {
			t.Errorf("ParseSecurity(%q) = %v; want an error naming the choices", bad, err)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := func() *Account { return &Account{Name: "n", Host: "h", Username: "u"} }
	for _, tc := range []struct {
		name     string
		edit     func(a *Account)
		says     string // "" when valid
		wantPort int
	}{
		{"defaults", func(a *Account) {}, "", 993},
		{"starttls port", func(a *Account) { a.Security = "starttls" }, "", 143},
		{"explicit port", func(a *Account) { a.Port = 10993 }, "", 10993},
		{"no name", func(a *Account) { a.Name = "  " }, "name is required", 0},
		{"no host", func(a *Account) { a.Host = "" }, "host is required", 0},
		{"no username", func(a *Account) { a.Username = "\t" }, "username is required", 0},
		{"bad security", func(a *Account) { a.Security = "ssl3" }, "unknown security", 0},
		{"port too big", func(a *Account) { a.Port = 65536 }, "out of range", 0},
		{"negative port", func(a *Account) { a.Port = -1 }, "out of range", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := ok()
			tc.edit(a)
			err := Validate(a)
			if tc.says == "" {
				if err != nil || a.Port != tc.wantPort {
					t.Fatalf("Validate = %v, port %d; want nil, port %d", err, a.Port, tc.wantPort)
				}
				return
			}
			if !errors.Is(err, ErrInvalidAccount) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("Validate = %v; want ErrInvalidAccount saying %q", err, tc.says)
			}
		})
	}
}

func TestAddFindRemove(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	v := New()
	a := &Account{Name: "Work", Host: "h", Username: "u", Password: "p"}
	if err := v.Add(a, now); err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 16 || !a.Created.Equal(now) || !a.Changed.Equal(now) || !a.Modified.Equal(now) {
		t.Fatalf("Add filled %+v", a)
	}
	changed := now.AddDate(-1, 0, 0)
	b := &Account{Name: "home", Host: "h", Username: "u", Changed: changed}
	if err := v.Add(b, now); err != nil || !b.Changed.Equal(changed) {
		t.Fatalf("Add kept Changed %v, %v; want %v (an imported date)", b.Changed, err, changed)
	}
	if err := v.Add(&Account{Name: "WORK", Host: "h", Username: "u"}, now); !errors.Is(err, ErrDuplicateName) {
		t.Fatalf("duplicate name in other case: %v; want ErrDuplicateName", err)
	}
	if v.Find("work") != a || v.FindID(a.ID) != a || v.Find("nope") != nil || v.FindID("nope") != nil {
		t.Fatal("Find/FindID returned the wrong account")
	}
	if !v.Remove(a.ID) || v.Remove(a.ID) || v.Find("work") != nil || len(v.Accounts) != 1 {
		t.Fatalf("Remove left %d accounts", len(v.Accounts))
	}
	if NewID() == NewID() {
		t.Fatal("NewID repeats")
	}
}

func TestSetPasswordKeepsHistory(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	t1, t2 := t0.AddDate(0, 1, 0), t0.AddDate(0, 2, 0)
	a := &Account{Password: "", Changed: t0}
	a.SetPassword("first", t1)
	if len(a.History) != 0 || a.Password != "first" || !a.Changed.Equal(t1) {
		t.Fatalf("setting the first password: %+v", a)
	}
	a.SetPassword("first", t2) // no change, no history entry, dates kept
	if len(a.History) != 0 || !a.Changed.Equal(t1) {
		t.Fatalf("setting the same password: %+v", a)
	}
	a.SetPassword("second", t2)
	want := RetiredPassword{Password: "first", Set: t1, Retired: t2, Reason: "edited"}
	if len(a.History) != 1 || a.History[0] != want || a.Password != "second" || !a.Changed.Equal(t2) || !a.Modified.Equal(t2) {
		t.Fatalf("after a change: %+v", a)
	}
}

func TestMaxAgeAndAcceptance(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		vault, account int
		want           time.Duration
	}{{0, 0, 365 * day}, {30, 0, 30 * day}, {30, 7, 7 * day}, {-1, 0, 365 * day}} {
		s := Settings{MaxAgeDays: tc.vault}
		a := &Account{MaxAgeDays: tc.account}
		if got := a.MaxAge(s); got != tc.want {
			t.Errorf("vault %d, account %d: MaxAge %v; want %v", tc.vault, tc.account, got, tc.want)
		}
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	until := now.Add(time.Hour)
	for _, tc := range []struct {
		acc  Acceptance
		at   time.Time
		want bool
	}{
		{Acceptance{}, now, true},
		{Acceptance{Until: &until}, now, true},
		{Acceptance{Until: &until}, until, false},
		{Acceptance{Until: &until}, until.Add(time.Second), false},
	} {
		if got := tc.acc.Active(tc.at); got != tc.want {
			t.Errorf("Active(%v) with until %v = %v; want %v", tc.at, tc.acc.Until, got, tc.want)
		}
	}
}

func TestActiveRecipients(t *testing.T) {
	gone := time.Now()
	v := New()
	v.Recipients = []Recipient{{Key: "a"}, {Key: "b", Removed: &gone}, {Key: "c"}}
	got := v.ActiveRecipients()
	if len(got) != 2 || got[0].Key != "a" || got[1].Key != "c" {
		t.Fatalf("ActiveRecipients = %+v; want a and c", got)
	}
}

func TestAccountDefaults(t *testing.T) {
	for _, tc := range []struct {
		a    Account
		sec  Security
		port int
	}{
		{Account{}, TLS, 993},
		{Account{Security: STARTTLS}, STARTTLS, 143},
		{Account{Security: Insecure, Port: 1143}, Insecure, 1143},
		{Account{Port: 10993}, TLS, 10993},
	} {
		if s, p := tc.a.SecurityOrDefault(), tc.a.PortOrDefault(); s != tc.sec || p != tc.port {
			t.Errorf("%+v: %s %d, want %s %d", tc.a, s, p, tc.sec, tc.port)
		}
	}
}
