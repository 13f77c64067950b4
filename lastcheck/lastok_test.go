package lastcheck

import (
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func TestLastOK(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2, t3 := t1.Add(time.Hour), t1.Add(2*time.Hour)
	ok := func(at time.Time) *vault.Check { return &vault.Check{At: at, Status: "ok"} }
	bad := func(at, last time.Time) *vault.Check {
		return &vault.Check{At: at, Status: "auth_failed", LastOK: last}
	}
	tests := []struct {
		name      string
		prev, cur *vault.Check
		want      time.Time
	}{
		{"first check ok", nil, ok(t2), t2},
		{"first check fails", nil, bad(t2, time.Time{}), time.Time{}},
		{"fails after ok", ok(t1), bad(t2, time.Time{}), t1},
		{"fails again", bad(t2, t1), bad(t3, time.Time{}), t1},
		{"ok again", bad(t2, t1), ok(t3), t3},
		{"never ok", bad(t2, time.Time{}), bad(t3, time.Time{}), time.Time{}},
	}
	for _, tt := range tests {
		if got := LastOK(tt.prev, tt.cur); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestCarryForward(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Hour)
	posture := &vault.Posture{At: t1, Findings: []vault.PostureFinding{{Kind: "old_tls"}}}
	prev := &vault.Check{At: t1, Status: "ok", SMTP: &vault.Check{At: t1, Status: "ok"}, Posture: posture}
	cur := &vault.Check{At: t2, Status: "auth_failed", SMTP: &vault.Check{At: t2, Status: "auth_failed"}}
	carryForward(prev, cur)
	if !cur.LastOK.Equal(t1) || !cur.SMTP.LastOK.Equal(t1) {
		t.Errorf("LastOK imap %v smtp %v, want both %v", cur.LastOK, cur.SMTP.LastOK, t1)
	}
	if cur.Posture != posture {
		t.Error("a check without a posture probe dropped the last one")
	}
	fresh := &vault.Posture{At: t2}
	cur = &vault.Check{At: t2, Status: "ok", Posture: fresh}
	carryForward(prev, cur)
	if cur.Posture != fresh {
		t.Error("a new posture probe was replaced by the old one")
	}
	cur = &vault.Check{At: t2, Status: "ok"}
	carryForward(nil, cur)
	if !cur.LastOK.Equal(t2) || cur.Posture != nil {
		t.Errorf("first check: LastOK %v posture %v", cur.LastOK, cur.Posture)
	}
}

func TestStale(t *testing.T) {
	start := time.Now().Add(-time.Minute)
	for _, tt := range []struct {
		name   string
		a      vault.Account
		status string
		stale  bool
	}{
		{"nothing changed", vault.Account{Changed: start.Add(-time.Hour)}, "ok", false},
		{"rotated meanwhile, failed", vault.Account{Changed: start.Add(time.Second)}, "auth_failed", true},
		{"rotated meanwhile, ok with the old one", vault.Account{Changed: start.Add(time.Second)}, "ok", true},
		{"pending, failed", vault.Account{Changed: start.Add(-time.Hour), Pending: &vault.Pending{}}, "auth_failed", true},
		{"pending, ok", vault.Account{Changed: start.Add(-time.Hour), Pending: &vault.Pending{}}, "ok", false},
		{"changed date in the future", vault.Account{Changed: time.Now().Add(48 * time.Hour)}, "auth_failed", false},
	} {
		if got := Stale(&tt.a, &vault.Check{At: start, Status: tt.status}) != ""; got != tt.stale {
			t.Errorf("%s: stale %v, want %v", tt.name, got, tt.stale)
		}
	}
}
