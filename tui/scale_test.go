package tui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/vault"
)

// scaleDriver is an unlocked driver over n accounts of a hosting vault
// (scored unless cold), on the list, with the audit done.
func scaleDriver(t *testing.T, n int, cold bool) (*driver, *fixture) {
	t.Helper()
	v := testvault.Hosting(n, 40, t0)
	if !cold {
		audit.Score(v, nil)
	}
	fx := newFixture(t, false, nil)
	writeVault(t, fx, v)
	d := unlocked(t, fx)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	if len(d.m.audit.findings) == 0 {
		t.Fatal("no findings after unlock")
	}
	return d, fx
}

// whole counts the whole-vault work (rows made, overviews counted) that
// f does on the UI goroutine.
func whole(f func()) (rows, overviews int64) {
	r, o := rowsBuilt.Load(), overviewsCounted.Load()
	f()
	return rowsBuilt.Load() - r, overviewsCounted.Load() - o
}

// The work that grows with the vault (a row per account, the overview's
// counts) is done in commands, off the UI goroutine, or once: never in
// Update for unlocking, the audit's result or a sort, nor again for every
// frame of the overview. It counts that work, not time; before, Update
// made every row again for each of these (a quarter of a second each at
// 100,000 accounts) and every overview frame counted the vault twice.
func TestWholeVaultWorkStaysOutOfUpdate(t *testing.T) {
	d, fx := scaleDriver(t, 2_000, false)
	update := func(msg tea.Msg) tea.Cmd {
		nm, cmd := d.m.Update(msg)
		d.m = nm.(Model)
		return cmd
	}
	id, err := vault.LoadIdentity(fx.idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Open(fx.vaultPath, id)
	if err != nil {
		t.Fatal(err)
	}
	d.m, _ = d.m.lock("locked")
	msg := opened(id, f) // what the unlock command returns
	var auditCmd tea.Cmd
	if rows, _ := whole(func() { auditCmd = update(msg) }); rows != 0 {
		t.Errorf("unlocking built %d rows in Update, want 0", rows)
	}
	done := auditCmd() // the audit, in its command
	if rows, _ := whole(func() { update(done) }); rows != 0 {
		t.Errorf("the audit's result built %d rows in Update, want 0", rows)
	}
	d.send(keyMsg("esc")) // the overview a big vault opens on
	for _, k := range []string{"s", "s", "s"} {
		if rows, _ := whole(func() { update(keyMsg(k)) }); rows != 0 {
			t.Errorf("sorting built %d rows, want 0", rows)
		}
	}
	_, overviews := whole(func() {
		update(keyMsg("o"))
		for range 3 {
			_ = d.m.View()
			update(keyMsg("down"))
		}
	})
	if overviews > 1 {
		t.Errorf("the overview was counted %d times for a key, 3 frames and 3 moves, want once at most", overviews)
	}
}

// The rows an audit command made are those a rebuild makes here, also
// when an account changed while the audit ran (then the rows are made
// again) and when the audit's new strength scores replaced the accounts.
func TestAdoptedRowsAreARebuild(t *testing.T) {
	for _, tc := range []struct {
		name         string
		cold, change bool
	}{{"warm", false, false}, {"cold: scores replace accounts", true, false}, {"an account changed meanwhile", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := scaleDriver(t, 300, tc.cold)
			d.send(keyMsg("esc"))
			d.keys("s", "s") // by host
			cmd := d.m.runAudit()
			if tc.change {
				id := d.m.file.Vault.Accounts[17].ID
				d.m.editAccount(id, func(a *vault.Account) { a.Name = "renamed-meanwhile" })
			}
			d.send(cmd())
			got := slices.Clone(d.m.list.rows)
			d.m.rebuildRows()
			if !reflect.DeepEqual(got, d.m.list.rows) {
				t.Fatal("the adopted rows differ from a rebuild")
			}
			for _, r := range got {
				if d.m.file.Vault.Accounts[r.pos] != r.acc {
					t.Fatalf("row %s holds an account the vault no longer has", r.name)
				}
			}
			if r := d.m.list.rows[d.m.list.index[d.m.file.Vault.Accounts[17].ID]]; tc.change && r.name != "renamed-meanwhile" {
				t.Fatalf("the rename made while the audit ran is not in the rows: %q", r.name)
			}
		})
	}
}

// oracleViewAudit is the audit screen as it was drawn before: every line
// made, then cut to the cursor's window.
func oracleViewAudit(m Model) string {
	s, a := m.styles, m.audit
	countSev := func(sev audit.Severity) int {
		n := 0
		for _, f := range a.findings {
			if f.Severity == sev {
				n++
			}
		}
		return n
	}
	var lines []string
	cursorLine := 0
	lines = append(lines, s.Title.Render("Audit — "+plural(len(a.findings), "finding", "findings")))
	if a.err != "" {
		lines = append(lines, s.Error.Render(a.err))
	}
	if len(a.findings) == 0 && a.err == "" {
		lines = append(lines, "", "Nothing to do: no stale, reused, weak, failing or exposed passwords.")
	}
	var sev audit.Severity
	for i, f := range a.findings {
		if f.Severity != sev {
			sev = f.Severity
			lines = append(lines, "", m.sevStyle(sev).Render(strings.ToUpper(string(sev))+fmt.Sprintf(" (%d)", countSev(sev))))
		}
		text := fmt.Sprintf("%-20s %-12s %s", safe(f.Account), safe(string(f.Kind)), safe(f.Message))
		if i == a.cursor {
			cursorLine = len(lines)
			lines = append(lines, s.Selected.Render(fit("▸ "+text, m.width)))
		} else {
			lines = append(lines, "  "+text)
		}
	}
	room := max(1, m.height-3)
	start := 0
	if cursorLine >= room {
		start = cursorLine - room + 1
	}
	return strings.Join(lines[start:min(len(lines), start+room)], "\n")
}

// The audit screen makes only the lines it shows, and they are the ones
// it showed when it made them all: every cursor place, a few heights, an
// error line, severities out of order.
func TestAuditViewDrawsOnlyItsWindow(t *testing.T) {
	m := New(Options{})
	sevs := []audit.Severity{audit.Critical, audit.High, audit.High, audit.Medium, "odd", audit.Low, "odd"}
	for n := range 40 {
		m.audit.findings = append(m.audit.findings, audit.Finding{Account: fmt.Sprint("acct-", n), Kind: audit.Reused,
			Severity: sevs[n*len(sevs)/40], Message: fmt.Sprint("message ", n)})
	}
	m.audit.sevCount = map[audit.Severity]int{}
	for _, f := range m.audit.findings {
		m.audit.sevCount[f.Severity]++
	}
	for _, errText := range []string{"", "audit failed: breach file"} {
		for _, h := range []int{4, 9, 24, 80} {
			for c := range len(m.audit.findings) {
				m.audit.err, m.height, m.audit.cursor = errText, h, c
				if got, want := m.viewAudit(), oracleViewAudit(m); got != want {
					t.Fatalf("height %d, cursor %d, err %q:\ngot\n%s\nwant\n%s", h, c, errText, got, want)
				}
			}
		}
	}
	m.audit.findings, m.audit.err = nil, ""
	if got, want := m.viewAudit(), oracleViewAudit(m); got != want {
		t.Fatalf("no findings:\ngot\n%s\nwant\n%s", got, want)
	}
}
