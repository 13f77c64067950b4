package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/vault"
)

// Hostile pieces a server, an imported file or another vault member could
// plant in text the TUI shows. raw is what must never reach the terminal;
// shown is the visible escape the screen carries instead.
var hostile = []struct{ name, raw, shown string }{
	{"sgr", "\x1b[5;31;47m", `\x1b[5;31;47m`},
	{"osc8 link", "\x1b]8;;https://evil.example/\x1b\\", `\x1b]8;;https://evil.example/\x1b\`},
	{"osc52 clipboard", "\x1b]52;c;cHduZWQ=\x07", `\x1b]52;c;cHduZWQ=\x07`},
	{"clear screen", "\x1b[2J", `\x1b[2J`},
	{"c1 csi", "\u009b2J", `\u009b2J`},
	{"c1 osc", "\u009d0;title\u009c", `\u009d0;title\u009c`},
	{"bidi override", "\u202egnp.exe", `\u202egnp.exe`},
}

// evil joins every hostile piece after a label, so each field carries all.
func evil(label string) string {
	var b strings.Builder
	b.WriteString(label)
	for _, h := range hostile {
		b.WriteString(h.raw)
	}
	return b.String()
}

func hostileAccounts() []*vault.Account {
	day := 24 * time.Hour
	a := &vault.Account{ID: "h1", Name: "evil\nfakerow  ✓ ok" + evil(""), Host: evil("imap.evil.example"), Port: 993,
		Security: vault.TLS, Username: evil("user"), Password: "pw-Xq7!vR2#mL9z-hostile",
		Created: t0.Add(-800 * day), Changed: t0.Add(-400 * day), Modified: t0.Add(-400 * day),
		Tags: []string{evil("tag")}, Notes: evil("note line one") + "\n" + evil("note line two"),
		History: []vault.RetiredPassword{{Password: "old-pw-hostile-1", Set: t0.Add(-900 * day), Retired: t0.Add(-400 * day), Reason: evil("reason")}},
		Pending: &vault.Pending{Password: "pending-pw-hostile", State: vault.PendingSaved, Started: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour), Note: evil("pending note")},
		LastCheck: &vault.Check{At: t0.Add(-time.Hour), Status: "auth_failed", Code: evil("CODE"), Error: evil("server said"),
			Alert: evil("alert"), Greeting: evil("* OK greeting"), LatencyMS: 10,
			TLS: &vault.TLSInfo{Version: "TLS 1.3", Subject: evil("CN=subject"), Issuer: evil("CN=issuer"),
				NotAfter: t0.Add(10 * day), DaysLeft: 10, VerifyError: evil("verify")},
			Capabilities: []string{"IMAP4rev1", evil("CAP")}}}
	return []*vault.Account{a, testAccounts()[1]}
}

// assertClean fails when the raw screen (colours and all) carries any
// hostile piece, a C1 control or a bidi override, and when the plain
// screen lacks the visible escapes or shows the faked row.
func assertClean(t *testing.T, d *driver, where string) {
	t.Helper()
	raw := d.m.View().Content
	for _, h := range hostile {
		if strings.Contains(raw, h.raw) {
			t.Errorf("%s: the screen carries the raw %s sequence", where, h.name)
		}
	}
	for _, r := range raw {
		if (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x07 {
			t.Errorf("%s: the screen carries control %U", where, r)
		}
	}
	// lipgloss styles with SGR only: any other escape came from the data.
	for i := 0; i < len(raw); i++ {
		if raw[i] == 0x1b && (i+1 >= len(raw) || raw[i+1] != '[') {
			t.Errorf("%s: a non-CSI escape at byte %d: %q", where, i, raw[i:min(len(raw), i+12)])
			break
		}
	}
	for _, l := range strings.Split(d.screen(), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " ▸"), "fakerow") {
			t.Errorf("%s: a newline in a name made a row of its own: %q", where, l)
		}
	}
}

func TestHostileTextIsEscapedOnEveryScreen(t *testing.T) {
	fx := newFixture(t, false, hostileAccounts())
	d := unlocked(t, fx)
	d.send(tea.WindowSizeMsg{Width: 200, Height: 60}) // wide enough that nothing is cut away
	assertClean(t, d, "list")
	d.wantScreen(`evil\nfakerow`)

	d.selectName(safe(hostileAccounts()[0].Name))
	d.keys("enter")
	if d.m.screen != scrDetail {
		t.Fatalf("not on the detail screen:\n%s", d.screen())
	}
	assertClean(t, d, "detail")
	// The escaped forms are there, so the person still sees what was sent.
	for _, h := range hostile {
		d.wantScreen(h.shown)
	}
	d.wantScreen("server said", "CN=subject", "CN=issuer", "note line two", "pending note")

	d.keys("esc", "A")
	assertClean(t, d, "audit")
	d.keys("esc", "d")
	assertClean(t, d, "confirm delete")
	d.keys("n", "e")
	assertClean(t, d, "edit form")
	d.keys("esc")
	d.keys("r")
	assertClean(t, d, "rotate")

	// Hook output in the rotation wizard.
	d.send(rotMsg{gen: d.m.rot.gen, file: d.m.file, state: rotate.StatePending,
		report: rotate.Report{HookOutput: evil("hook line one") + "\n" + evil("hook line two")}})
	assertClean(t, d, "rotate with hook output")
	d.wantScreen(`hook line one\x1b[5;31;47m`)

	// The overview names accounts on its certificate timeline.
	d.keys("esc", "o")
	if d.m.screen != scrOverview {
		t.Fatalf("o did not open the overview:\n%s", d.screen())
	}
	d.wantScreen(`evil\nfakerow`)
	assertClean(t, d, "overview")
	d.keys("esc")

	// The status line quotes names.
	d.m.setStatus("rotated "+hostileAccounts()[0].Name, true)
	assertClean(t, d, "status line")
}

// TestEditKeepsUntouchedFieldsExactly: the form shows stored values
// escaped (a newline in notes as \n), and a field the person did not touch
// is saved as it was stored, not as it was shown.
func TestEditKeepsUntouchedFieldsExactly(t *testing.T) {
	accs := testAccounts()
	accs[2].Notes = "line one\nline two\tand a tab"
	fx := newFixture(t, false, accs)
	d := unlocked(t, fx)
	d.selectName("carol")
	d.keys("e")
	if got := d.m.form.inputs[fNotes].Value(); got != `line one\nline two\tand a tab` {
		t.Fatalf("notes field shows %q", got)
	}
	d.keys("tab", "ctrl+u", "'moved.example.net", "ctrl+s")
	a := fx.reopen(t).Find("carol")
	if a.Host != "moved.example.net" {
		t.Fatalf("host on disk %q", a.Host)
	}
	if a.Notes != accs[2].Notes {
		t.Fatalf("untouched notes saved as %q, want %q", a.Notes, accs[2].Notes)
	}
}
