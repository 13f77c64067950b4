package agent

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// clock is a settable time for TTL tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testVault writes a vault with the given accounts (name -> password),
// encrypted to a fresh key, and returns its path and the key.
func testVault(t testing.TB, accounts map[string]string) (string, *age.X25519Identity) {
	t.Helper()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vault.age")
	id := &vault.Identity{Identities: []age.Identity{k}, Recipient: k.Recipient().String()}
	f, err := vault.Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for name, pw := range accounts {
		a := &vault.Account{Name: name, Host: "imap." + name + ".example", Username: "u-" + name, Password: pw, Security: vault.STARTTLS}
		if err := f.Vault.Add(a, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path, k
}

func unlockReq(k *age.X25519Identity, ttl, max time.Duration) UnlockRequest {
	return UnlockRequest{Keys: []string{k.String()}, IdentityPath: "/id", TTL: ttl, Max: max}
}

func TestTTL(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work"})
	start := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		ttl, max time.Duration
		steps    []time.Duration // advance, then use the keyring
		statuses []time.Duration // advance, then only ask the status
		peeks    []time.Duration // advance, then only list the accounts
		unlocked bool
	}{
		{name: "idle expiry", ttl: 10 * time.Minute, max: time.Hour,
			steps: []time.Duration{10 * time.Minute}, unlocked: false},
		{name: "use resets the idle timer", ttl: 10 * time.Minute, max: time.Hour,
			steps: []time.Duration{9 * time.Minute, 9 * time.Minute, 9 * time.Minute}, unlocked: true},
		{name: "never past max however used", ttl: 10 * time.Minute, max: 30 * time.Minute,
			steps: []time.Duration{9 * time.Minute, 9 * time.Minute, 9 * time.Minute, 3 * time.Minute}, unlocked: false},
		{name: "status does not extend", ttl: 10 * time.Minute, max: time.Hour,
			statuses: []time.Duration{4 * time.Minute, 4 * time.Minute, 4 * time.Minute}, unlocked: false},
		{name: "listing accounts does not extend", ttl: 10 * time.Minute, max: time.Hour,
			peeks: []time.Duration{4 * time.Minute, 4 * time.Minute, 4 * time.Minute}, unlocked: false},
		{name: "no idle limit, max only", ttl: 0, max: time.Hour,
			steps: []time.Duration{50 * time.Minute}, unlocked: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: start}
			k := NewKeyring(c.now)
			if err := k.Unlock(unlockReq(key, tc.ttl, tc.max)); err != nil {
				t.Fatal(err)
			}
			for _, d := range tc.steps {
				c.add(d)
				k.Get(path, Query{Name: "work"})
			}
			for _, d := range tc.statuses {
				c.add(d)
				k.Status()
			}
			for _, d := range tc.peeks {
				c.add(d)
				k.Accounts(path, "")
			}
			s, _ := k.Status()
			if s.Unlocked != tc.unlocked {
				t.Fatalf("unlocked = %v, want %v (status %+v)", s.Unlocked, tc.unlocked, s)
			}
			_, err := k.Get(path, Query{Name: "work"})
			if tc.unlocked != (err == nil) || (!tc.unlocked && !errors.Is(err, ErrLocked)) {
				t.Fatalf("get after: %v", err)
			}
		})
	}
}

func TestStatusReportsDeadlines(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw"})
	c := &clock{t: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
	k := NewKeyring(c.now)
	k.Unlock(unlockReq(key, 15*time.Minute, time.Hour))
	for range 5 {
		c.add(10 * time.Minute)
		if _, err := k.Get(path, Query{Name: "work"}); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := k.Status()
	if want := c.t.Add(10 * time.Minute); !s.Expires.Equal(want) {
		t.Errorf("Expires = %v, want the max %v (sooner than idle)", s.Expires, want)
	}
	if s.Recipient != key.Recipient().String() || s.IdentityPath != "/id" {
		t.Errorf("status = %+v", s)
	}
}

func TestLockForgets(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work"})
	k := NewKeyring(nil)
	k.Unlock(unlockReq(key, time.Hour, time.Hour))
	if v, err := k.Get(path, Query{Name: "work"}); err != nil || v != "pw-work" {
		t.Fatalf("get = %q, %v", v, err)
	}
	k.Lock()
	if _, err := k.Get(path, Query{Name: "work"}); !errors.Is(err, ErrLocked) {
		t.Fatalf("get after lock: %v", err)
	}
	if _, err := k.Unwrap(nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("unwrap after lock: %v", err)
	}
	if k.ids != nil || k.vaults != nil {
		t.Fatal("the keyring still holds the identity or a vault after lock")
	}
}

// A save by any process is served at once: the agent reads the file again
// when its stat changed.
func TestServesTheCurrentFile(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "old-pw"})
	k := NewKeyring(nil)
	k.Unlock(unlockReq(key, time.Hour, time.Hour))
	if v, _ := k.Get(path, Query{Name: "work"}); v != "old-pw" {
		t.Fatalf("get = %q", v)
	}
	id := &vault.Identity{Identities: []age.Identity{key}, Recipient: key.Recipient().String()}
	for i := range 3 {
		f, err := vault.OpenLocked(path, id)
		if err != nil {
			t.Fatal(err)
		}
		pw := fmt.Sprintf("new-pw-%d", i)
		f.Vault.Find("work").Password = pw
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if v, err := k.Get(path, Query{Name: "work"}); v != pw {
			t.Fatalf("after save %d: get = %q, %v", i, v, err)
		}
	}
}

func TestLookup(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work", "home": "pw-home"})
	k := NewKeyring(nil)
	k.Unlock(unlockReq(key, time.Hour, time.Hour))
	tests := []struct {
		q    Query
		want string
		err  error
	}{
		{Query{Name: "work"}, "pw-work", nil},
		{Query{Name: "WORK", Field: "username"}, "u-work", nil},
		{Query{Name: "work", Field: "port"}, "143", nil},
		{Query{Name: "work", Field: "security"}, "starttls", nil},
		{Query{Name: "work", Field: "host"}, "imap.work.example", nil},
		{Query{Host: "IMAP.home.example"}, "pw-home", nil},
		{Query{Host: "imap.home.example", User: "u-home"}, "pw-home", nil},
		{Query{Host: "imap.home.example", User: "someone"}, "", ErrNoAccount},
		{Query{Name: "nope"}, "", ErrNoAccount},
		{Query{Name: "work", Field: "secret"}, "", ErrUnknownField},
	}
	for _, tc := range tests {
		got, err := k.Get(path, tc.q)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("Get(%+v) = %q, %v; want %q, %v", tc.q, got, err, tc.want, tc.err)
		}
	}
	names, err := k.Names(path)
	if err != nil || len(names) != 2 {
		t.Errorf("Names = %v, %v", names, err)
	}
}

// imapvault-get asks in one round trip, naming the identity file it was
// told to use: an agent unlocked for another one answers "locked" and that
// caller's get does not count as use.
func TestGetForAnotherIdentityIsLocked(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work"})
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	k := NewKeyring(c.now)
	k.Unlock(unlockReq(key, time.Minute, time.Hour)) // holds /id
	for _, tc := range []struct {
		identity string
		ok       bool
	}{{"", true}, {"/id", true}, {"/other-id", false}} {
		v, err := k.Get(path, Query{Name: "work", Identity: tc.identity})
		if tc.ok && (err != nil || v != "pw-work") {
			t.Errorf("identity %q: get = %q, %v", tc.identity, v, err)
		}
		if !tc.ok && (!errors.Is(err, ErrLocked) || v != "") {
			t.Errorf("identity %q: get = %q, %v; want ErrLocked", tc.identity, v, err)
		}
	}
	c.add(50 * time.Second)
	k.Get(path, Query{Name: "work", Identity: "/other-id"})
	c.add(20 * time.Second)
	if _, err := k.Get(path, Query{Name: "work"}); !errors.Is(err, ErrLocked) {
		t.Fatalf("another identity's get extended the idle limit: %v", err)
	}
}

// Accounts describes every account with its defaults and no secret, and
// refuses a caller told to use another identity, as Get does.
func TestAccounts(t *testing.T) {
	path, key := testVault(t, map[string]string{"work": "pw-work-Accounts"})
	k := NewKeyring(nil)
	if _, err := k.Accounts(path, ""); !errors.Is(err, ErrLocked) {
		t.Fatalf("accounts while locked: %v", err)
	}
	k.Unlock(unlockReq(key, time.Hour, time.Hour))
	got, err := k.Accounts(path, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("accounts = %+v, %v", got, err)
	}
	a := got[0]
	if a.Name != "work" || a.ID == "" || a.Host != "imap.work.example" || a.Port != 143 || a.Security != "starttls" || a.Username != "u-work" || a.SMTP != nil {
		t.Errorf("account = %+v", a)
	}
	if _, err := k.Accounts(path, "/another/identity"); !errors.Is(err, ErrLocked) {
		t.Errorf("accounts for another identity: %v, want ErrLocked", err)
	}
	if s, _ := k.Status(); s.TTL != time.Hour {
		t.Errorf("status TTL = %v, want 1h", s.TTL)
	}
}

// An SMTP endpoint comes with its defaults, and the account's username
// when it has none of its own.
func TestDescribeSMTP(t *testing.T) {
	v := vault.New()
	v.Accounts = []*vault.Account{{ID: "a1", Name: "work", Host: "imap.example", Username: "jo",
		SMTP: &vault.Endpoint{Host: "smtp.example", Security: vault.STARTTLS}}}
	got := Describe(v)[0]
	want := EndpointInfo{Host: "smtp.example", Port: 587, Security: "starttls", Username: "jo"}
	if got.SMTP == nil || *got.SMTP != want || got.Port != 993 || got.Security != "tls" {
		t.Fatalf("Describe = %+v (smtp %+v), want smtp %+v", got, got.SMTP, want)
	}
}
