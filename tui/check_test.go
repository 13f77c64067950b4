package tui

import (
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/vault"
)

// manyAccounts is n accounts named acct-0000... on made-up hosts.
func manyAccounts(n int) []*vault.Account {
	out := make([]*vault.Account, n)
	for i := range out {
		out[i] = &vault.Account{ID: fmt.Sprintf("id%05d", i), Name: fmt.Sprintf("acct-%05d", i),
			Host: fmt.Sprintf("imap%d.example.com", i%7), Port: 993, Security: vault.TLS,
			Username: fmt.Sprintf("user%d", i), Password: fmt.Sprintf("pw-%d-Zr8!kQ2#", i),
			Created: t0.Add(-time.Duration(i) * time.Hour), Changed: t0.Add(-time.Duration(i) * time.Hour), Modified: t0}
	}
	return out
}

// startFakeRun begins a check-all without letting the pool dial: the test
// plays the pool's part by sending results itself.
func startFakeRun(t *testing.T, d *driver) int {
	t.Helper()
	nm, _ := d.m.startCheck(nil) // its command would dial; not run
	d.m = nm.(Model)
	if !d.m.check.running() {
		t.Fatal("check did not start")
	}
	return d.m.check.run
}

// TestCheckAll200StaysResponsive streams 200 results in reverse order and
// presses keys between them: each key takes effect at once, each result
// lands on its own row, and the whole run is saved once at the end.
func TestCheckAll200StaysResponsive(t *testing.T) {
	const n = 200
	fx := newFixture(t, false, manyAccounts(n))
	d := unlocked(t, fx)
	d.keys("s") // by name: row i is acct-i, so moves are easy to predict
	run := startFakeRun(t, d)
	d.wantScreen("checking 0/200")
	statusOf := func(i int) imapcheck.Status {
		if i%3 == 0 {
			return imapcheck.StatusAuthFailed
		}
		return imapcheck.StatusOK
	}
	for k := n - 1; k >= 0; k-- {
		res := lastcheck.Indexed{Index: k, Result: lastcheck.Both{IMAP: imapcheck.Result{Name: fmt.Sprintf("acct-%05d", k), Status: statusOf(k), At: t0}}}
		nm, _ := d.m.Update(checkResultMsg{run: run, res: res}) // the next wait is not run: the test is the pool
		d.m = nm.(Model)
		before := d.m.list.cursor
		d.keys("j")
		if d.m.list.cursor != min(before+1, n-1) {
			t.Fatalf("after result %d, j moved the cursor from %d to %d", k, before, d.m.list.cursor)
		}
		if !d.m.check.running() {
			t.Fatal("run ended early")
		}
		a := d.m.account(fmt.Sprintf("id%05d", k))
		if a.LastCheck == nil || a.LastCheck.Status != string(statusOf(k)) {
			t.Fatalf("result %d not stored: %+v", k, a.LastCheck)
		}
		if _, still := d.m.check.inFlight[a.ID]; still {
			t.Fatalf("account %d still shown as checking", k)
		}
		if k == n/2 {
			d.wantScreen(fmt.Sprintf("checking %d/200", n-k))
			d.keys("/", "'acct-001") // a filter typed mid-run works too
			if len(d.m.list.view) != 100 {
				t.Fatalf("filter mid-run shows %d rows", len(d.m.list.view))
			}
			d.keys("esc")
		}
	}
	if fx.reopen(t).Accounts[5].LastCheck != nil {
		t.Fatal("saved before the run ended")
	}
	d.send(checkDoneMsg{run: run})
	if d.m.check.running() {
		t.Fatal("still running after done")
	}
	d.wantScreen("checked 200 accounts: 133 ok, 67 failed")
	v := fx.reopen(t)
	for i, a := range v.Accounts {
		if a.LastCheck == nil || a.LastCheck.Status != string(statusOf(i)) {
			t.Fatalf("account %d on disk: %+v", i, a.LastCheck)
		}
	}
}

// TestCheckCancelKeepsOldResults: esc cancels; the pool's "cancelled"
// results must not overwrite what the accounts last showed.
func TestCheckCancelKeepsOldResults(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	run := startFakeRun(t, d)
	d.keys("esc")
	if !d.m.check.stopped {
		t.Fatal("esc did not cancel")
	}
	i := indexOf(d.m.check.ids, "a2") // bob-home: auth_failed before
	nm, _ := d.m.Update(checkResultMsg{run: run, res: lastcheck.Indexed{Index: i, Result: lastcheck.Both{IMAP: imapcheck.Result{Status: imapcheck.StatusTimeout, Message: "check cancelled before it started"}}}})
	d.m = nm.(Model)
	d.send(checkDoneMsg{run: run})
	if got := fx.reopen(t).FindID("a2").LastCheck.Status; got != "auth_failed" {
		t.Fatalf("a cancelled check overwrote the last result with %q", got)
	}
	d.wantScreen("cancelled")
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// TestCheckAllEndToEnd runs real checks against in-process IMAP servers:
// a slow one listed first finishes last, so results arrive out of order.
// It is held until the three others' results are in, not slowed by a
// fixed delay that a busy machine could outrun.
func TestCheckAllEndToEnd(t *testing.T) {
	fast := testimap.Start(t, testimap.Options{Users: map[string]string{"u1": sentinel, "u2": "right"}})
	hold := make(chan struct{})
	slow := testimap.Start(t, testimap.Options{Users: map[string]string{"u3": "right"}, Hold: hold})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	acc := func(id, name string, port int, user, pw string) *vault.Account {
		return &vault.Account{ID: id, Name: name, Host: "127.0.0.1", Port: port, Security: vault.TLS,
			Username: user, Password: pw, Created: t0, Changed: t0, Modified: t0}
	}
	accs := []*vault.Account{
		acc("s", "slow-ok", slow.Port(), "u3", "right"),
		acc("f", "fast-ok", fast.Port(), "u1", sentinel),
		acc("w", "wrong-password", fast.Port(), "u2", "wrong"),
		acc("d", "server-down", downPort, "u", "pw"),
	}
	fx := newFixture(t, false, accs)
	opts := fx.options()
	opts.TLSConfig = &tls.Config{RootCAs: fast.RootCAs()}
	opts.Timeout = testwait.Patience
	m := fx.model(opts)
	d := newDriver(t, m)
	var order []string
	d.onResult = func(r lastcheck.Indexed) {
		if order = append(order, r.Result.IMAP.Name); len(order) == 3 {
			close(hold)
		}
	}
	d.keys("C")
	if d.m.check.running() {
		t.Fatal("run did not finish")
	}
	if len(order) != 4 || order[len(order)-1] != "slow-ok" {
		t.Fatalf("results in order %v; want slow-ok last", order)
	}
	want := map[string]string{"slow-ok": "ok", "fast-ok": "ok", "wrong-password": "auth_failed", "server-down": "unreachable"}
	v := fx.reopen(t)
	for name, st := range want {
		a := v.Find(name)
		if a.LastCheck == nil || a.LastCheck.Status != st {
			t.Errorf("%s: last check %+v, want %s", name, a.LastCheck, st)
		}
	}
	if c := v.Find("fast-ok").LastCheck; c.TLS == nil || c.TLS.Version == "" {
		t.Errorf("TLS details not stored: %+v", c)
	}
	d.wantScreen("checked 4 accounts: 2 ok, 2 failed")
	d.notOnScreen(sentinel)
	d.selectName("fast-ok")
	d.keys("enter")
	d.wantScreen("Last check", "✓ ok", "TLS 1.3")
	d.notOnScreen(sentinel)
}

// TestCheckSelectedChecksOnlyThatAccount: c logs in to one account.
func TestCheckSelectedChecksOnlyThatAccount(t *testing.T) {
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"u": "right"}})
	accs := []*vault.Account{
		{ID: "1", Name: "one", Host: "127.0.0.1", Port: srv.Port(), Security: vault.TLS, Username: "u", Password: "right", Changed: t0},
		{ID: "2", Name: "two", Host: "127.0.0.1", Port: srv.Port(), Security: vault.TLS, Username: "u", Password: "wrong", Changed: t0},
	}
	fx := newFixture(t, false, accs)
	opts := fx.options()
	opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	d := newDriver(t, fx.model(opts))
	d.selectName("two")
	d.keys("c")
	v := fx.reopen(t)
	if c := v.Find("two").LastCheck; c == nil || c.Status != "auth_failed" {
		t.Fatalf("two: %+v", c)
	}
	if v.Find("one").LastCheck != nil {
		t.Fatal("c checked an account that was not selected")
	}
	if srv.Logins() != 1 {
		t.Fatalf("%d logins, want 1", srv.Logins())
	}
}
