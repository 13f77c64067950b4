package tui

import (
	"fmt"
	"image/color"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/imapvault/imapvault/vault"
)

// demoLikeAccounts is the demo's vault (same names, ages and troubles) as
// it looks after one check of everything, on the fixed clock t0.
func demoLikeAccounts() []*vault.Account {
	day := 24 * time.Hour
	checkAt := t0.Add(-25 * time.Minute)
	cert := func(days int) *vault.TLSInfo {
		return &vault.TLSInfo{Version: "TLS 1.3", Subject: "CN=localhost", Issuer: "CN=imapvault demo CA",
			NotAfter: t0.Add(time.Duration(days) * day), DaysLeft: days}
	}
	ok := func(days int) *vault.Check {
		return &vault.Check{At: checkAt, Status: "ok", LatencyMS: 12, TLS: cert(days)}
	}
	mk := func(id, name, user, pw string, age time.Duration, sec vault.Security, c *vault.Check) *vault.Account {
		a := &vault.Account{ID: id, Name: name, Host: "127.0.0.1", Security: sec, Username: user, Password: pw,
			Created: t0.Add(-age), Changed: t0.Add(-age), Modified: t0.Add(-age), LastCheck: c}
		a.Port = sec.DefaultPort()
		return a
	}
	return []*vault.Account{
		mk("d1", "personal", "me@home.test", "Quiet-Lantern-47-Orbit!", 40*day, vault.TLS, ok(364)),
		mk("d2", "work", "me@work.test", "vR8#kq2LzX!m9TwPb4", 90*day, vault.STARTTLS, ok(200)),
		mk("d3", "old-isp", "me@isp.test", "Cobalt-Harbor-19-Mist", 200*day, vault.TLS,
			&vault.Check{At: checkAt, Status: "auth_failed", Code: "AUTHENTICATIONFAILED", Error: "Authentication failed.", TLS: cert(300)}),
		mk("d4", "backup-mx", "backup@ops.test", "Tundra-Violet-88-Quill", 30*day, vault.TLS,
			&vault.Check{At: checkAt, Status: "unreachable", Error: "connection refused"}),
		mk("d5", "slow-host", "me@slow.test", "Marble-Falcon-63-Drift", 12*day, vault.TLS,
			&vault.Check{At: checkAt.Add(-time.Minute), Status: "timeout", Error: "no greeting within 10s"}),
		mk("d6", "expiring", "me@cert.test", "Saffron-Glacier-27-Wren", 60*day, vault.TLS, ok(9)),
		mk("d7", "archive", "archive@home.test", "Pebble-Canyon-52-Sail", 760*day, vault.TLS, ok(364)),
		mk("d8", "team-a", "team-a@corp.test", "Shared-Ember-30-Fjord", 100*day, vault.TLS, ok(364)),
		mk("d9", "team-b", "team-b@corp.test", "Shared-Ember-30-Fjord", 100*day, vault.TLS,
			&vault.Check{At: checkAt, Status: "auth_failed", Code: "AUTHENTICATIONFAILED", Error: "Authentication failed.", TLS: cert(364)}),
		mk("d10", "legacy", "legacy@home.test", "summer2024", 20*day, vault.TLS, nil),
	}
}

// TestOverviewFirstAfterUnlock: a vault with more than a handful of
// accounts opens on the overview, a small one on the list.
func TestOverviewFirstAfterUnlock(t *testing.T) {
	for _, tt := range []struct {
		name string
		accs []*vault.Account
		want screen
	}{{"ten accounts", demoLikeAccounts(), scrOverview}, {"five accounts", testAccounts(), scrList}} {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, false, tt.accs)
			d := newDriver(t, fx.model(fx.options()))
			if d.m.screen != tt.want {
				t.Fatalf("screen %d after unlock, want %d:\n%s", d.m.screen, tt.want, d.screen())
			}
		})
	}
}

// TestOverviewFigureFiltersList: enter on a figure shows exactly the
// accounts behind it; esc shows all again.
func TestOverviewFigureFiltersList(t *testing.T) {
	fx := newFixture(t, false, demoLikeAccounts())
	d := newDriver(t, fx.model(fx.options()))
	for _, tt := range []struct {
		label string
		want  []string
	}{
		{"✗ auth failed", []string{"old-isp", "team-b"}},
		{"reused", []string{"team-a", "team-b"}},
		{"> 365 d", []string{"archive"}},
		{"expiring", []string{"expiring"}}, // the nearest certificate expiry
		{"· unchecked", []string{"legacy"}},
	} {
		t.Run(tt.label, func(t *testing.T) {
			d.t = t
			if d.m.screen != scrOverview { // the first subtest starts there
				d.keys("o")
			}
			if d.m.screen != scrOverview {
				t.Fatalf("o did not open the overview:\n%s", d.screen())
			}
			d.moveOverviewTo(tt.label)
			d.wantScreen(fmt.Sprintf("▸ %s", tt.label))
			d.keys("enter")
			if d.m.screen != scrList {
				t.Fatalf("enter did not open the list:\n%s", d.screen())
			}
			var got []string
			for _, ri := range d.m.list.view {
				got = append(got, d.m.list.rows[ri].name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("%s shows %v, want %v", tt.label, got, tt.want)
			}
			d.wantScreen("showing "+tt.label, fmt.Sprintf("(%d of 10)", len(tt.want)))
			d.keys("esc")
			if len(d.m.list.view) != 10 {
				t.Fatalf("esc left %d of 10 rows", len(d.m.list.view))
			}
			d.notOnScreen("showing ")
		})
	}
}

// moveOverviewTo moves the overview's cursor down to the figure labelled
// label (as drawn: the cursor's line starts with it).
func (d *driver) moveOverviewTo(label string) {
	d.t.Helper()
	d.keys("g")
	for range 40 {
		for _, l := range strings.Split(d.screen(), "\n") {
			if i := strings.Index(l, "▸ "); i >= 0 && strings.HasPrefix(l[i+len("▸ "):], label) {
				return
			}
		}
		d.keys("j")
	}
	d.t.Fatalf("no figure %q on the overview:\n%s", label, d.screen())
}

// TestOverviewGolden draws the overview of the demo-like vault at 80x24
// and 120x40, in colour (stripped), under NO_COLOR and on a light
// background; the words are the same in all three, so one golden per size.
func TestOverviewGolden(t *testing.T) {
	fx := newFixture(t, false, demoLikeAccounts())
	home, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			var frames []string
			for _, look := range []string{"dark", "light", "nocolor"} {
				opts := fx.options()
				opts.VaultPath, opts.IdentityPath = "vault.age", "identity.age"
				if err := os.Chdir(fx.dir); err != nil {
					t.Fatal(err)
				}
				m := fx.model(opts)
				if look == "nocolor" {
					m.styles = newStyles(true, true)
					m.help.Styles = m.styles.Help
				}
				d := newDriver(t, m)
				if err := os.Chdir(home); err != nil {
					t.Fatal(err)
				}
				if look == "light" {
					d.send(tea.BackgroundColorMsg{Color: color.White})
				}
				d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				if d.m.screen != scrOverview {
					t.Fatalf("not on the overview:\n%s", d.screen())
				}
				out := d.screen()
				lines := strings.Split(out, "\n")
				if len(lines) != sz[1] {
					t.Errorf("%s: %d lines, want %d", look, len(lines), sz[1])
				}
				for i, l := range lines {
					if w := len([]rune(l)); w > sz[0] {
						t.Errorf("%s: line %d is %d wide: %q", look, i, w, l)
					}
				}
				if look == "nocolor" && strings.Contains(d.m.View().Content, "38;") {
					t.Error("NO_COLOR overview sets a foreground colour")
				}
				frames = append(frames, out)
			}
			if frames[0] != frames[1] || frames[0] != frames[2] {
				t.Errorf("the overview's words differ between looks:\ndark:\n%s\nlight:\n%s\nnocolor:\n%s", frames[0], frames[1], frames[2])
			}
			golden.RequireEqual(t, frames[0])
		})
	}
}

// TestHelpScrolls: at 80x24 the help is longer than the screen; j shows
// the last notes.
func TestHelpScrolls(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("?")
	d.wantScreen("↓/j more")
	d.notOnScreen("Rows marked ↻")
	for range 20 {
		d.keys("j")
	}
	d.wantScreen("Rows marked ↻", "o     overview")
	d.keys("esc")
	if d.m.screen != scrList || d.m.helpOff != 0 {
		t.Fatalf("esc left help on screen %d, offset %d", d.m.screen, d.m.helpOff)
	}
}

// TestOverviewNarrow: below 76 columns the sections stack in one column
// and the cursor's figure stays on screen as it moves down.
func TestOverviewNarrow(t *testing.T) {
	fx := newFixture(t, false, demoLikeAccounts())
	d := newDriver(t, fx.model(fx.options()))
	d.send(tea.WindowSizeMsg{Width: 50, Height: 16})
	for i := range 25 {
		lines := strings.Split(d.screen(), "\n")
		if len(lines) != 16 {
			t.Fatalf("%d lines at 50x16", len(lines))
		}
		cursorShown := false
		for _, l := range lines {
			if w := len([]rune(l)); w > 50 {
				t.Fatalf("line %d wide at 50 columns: %q", w, l)
			}
			cursorShown = cursorShown || strings.Contains(l, "▸ ")
		}
		if !cursorShown {
			t.Fatalf("after %d moves the cursor is off screen:\n%s", i, d.screen())
		}
		d.keys("j")
	}
	d.wantScreen("▸ personal") // the last figure: the latest certificate
}

// TestOverviewShowsDoctor: the doctor's count (run on a copy of the vault
// after unlock) shows on the overview's head line; none shows nothing.
func TestOverviewShowsDoctor(t *testing.T) {
	fx := newFixture(t, false, demoLikeAccounts())
	opts := fx.options()
	var seen int
	opts.Doctor = func(v *vault.Vault) int { seen = len(v.Accounts); return 3 }
	d := newDriver(t, fx.model(opts))
	deliverDoctor(d)
	d.wantScreen("doctor: 3 to fix")
	if seen != 10 {
		t.Fatalf("doctor saw %d accounts", seen)
	}
	fx2 := newFixture(t, false, demoLikeAccounts())
	opts2 := fx2.options()
	opts2.Doctor = func(*vault.Vault) int { return 0 }
	d2 := newDriver(t, fx2.model(opts2))
	deliverDoctor(d2)
	d2.notOnScreen("doctor:")
}

// deliverDoctor hands the driver's held doctorMsg to the model (the driver
// forwards only the messages other tests need).
func deliverDoctor(d *driver) {
	d.t.Helper()
	for _, m := range d.out {
		if dm, ok := m.(doctorMsg); ok {
			d.send(dm)
			return
		}
	}
	d.t.Fatal("no doctor run after unlock")
}
