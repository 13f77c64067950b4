package tui

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		typed string
		want  []string
	}{
		{"", []string{"alice-work", "bob-home", "carol", "dave-legacy", "erin-shared"}},
		{"imap.example.com", []string{"alice-work", "erin-shared"}},
		{"ALICE", []string{"alice-work"}},
		{"work", []string{"alice-work"}}, // a tag
		{"example.com shared", []string{"erin-shared"}},
		{"nothing-matches", nil},
	}
	fx := newFixture(t, false, testAccounts())
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			d := unlocked(t, fx)
			d.keys("/")
			d.typeText(tt.typed)
			var got []string
			for _, i := range d.m.list.view {
				got = append(got, d.m.list.rows[i].name)
			}
			if strings.Join(got, ",") != strings.Join(sortedNames(tt.want, d), ",") {
				t.Fatalf("filter %q shows %v, want %v", tt.typed, got, tt.want)
			}
			if tt.want == nil {
				d.wantScreen("No account matches")
			}
			d.keys("enter") // leave the input, keep the filter
			if d.m.list.filtering || d.m.list.query != strings.ToLower(tt.typed) {
				t.Fatalf("enter did not keep the filter: %q", d.m.list.query)
			}
			d.keys("esc") // clear it
			if len(d.m.list.view) != 5 {
				t.Fatalf("esc left %d rows", len(d.m.list.view))
			}
		})
	}
}

// sortedNames orders want as the list does, worst first.
func sortedNames(want []string, d *driver) []string {
	in := map[string]bool{}
	for _, w := range want {
		in[w] = true
	}
	var out []string
	for _, r := range d.m.list.rows {
		if in[r.name] {
			out = append(out, r.name)
		}
	}
	return out
}

func TestFilterBackspaceWidens(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("/")
	d.typeText("alice")
	if len(d.m.list.view) != 1 {
		t.Fatalf("%d rows for alice", len(d.m.list.view))
	}
	for range "alice" {
		d.keys("backspace")
	}
	if len(d.m.list.view) != 5 {
		t.Fatalf("backspacing the filter away left %d rows", len(d.m.list.view))
	}
}

func TestSortCycles(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	first := func() string { return d.m.list.rows[d.m.list.view[0]].name }
	want := []string{"bob-home", "alice-work", "alice-work", "dave-legacy", "dave-legacy", "bob-home"}
	for i, w := range want {
		if got := first(); got != w {
			t.Fatalf("sort %d (%s): first row %s, want %s", i, d.m.list.sortBy, got, w)
		}
		d.keys("s")
	}
}

func TestAdd(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("a", "tab")     // no address: nothing is looked up
	d.typeText("frank")    // name
	d.keys("tab", "tab")   // host left empty, security
	d.keys("right", "tab") // starttls; port: its default shown
	d.wantScreen("143 (default for starttls)")
	d.keys("tab", "'frank@example.com", "tab", "'"+sentinel)
	d.notOnScreen(sentinel)
	d.wantScreen("strength:")
	d.keys("ctrl+s")
	if d.m.screen != scrForm {
		t.Fatal("saved without a host")
	}
	d.wantScreen("host is required")
	if d.m.form.inputs[fName].Value() != "frank" {
		t.Fatal("the form lost what was typed")
	}
	d.keys("'imap.example.org", "ctrl+s")
	if d.m.screen != scrList {
		t.Fatalf("not back on the list:\n%s", d.screen())
	}
	d.wantScreen("added frank")
	v := fx.reopen(t)
	a := v.Find("frank")
	if a == nil || a.Host != "imap.example.org" || a.Port != 143 || a.Security != vault.STARTTLS || a.Password != sentinel {
		t.Fatalf("saved account %+v", a)
	}
	if d.m.list.selectedID() != a.ID {
		t.Error("the cursor is not on the new account")
	}
}

func TestAddRejectsDuplicateName(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("a", "tab", "'carol", "tab", "'h.example", "tab", "tab", "tab", "'u", "tab", "'pw", "ctrl+s")
	d.wantScreen(`an account named "carol" already exists`)
	if len(fx.reopen(t).Accounts) != 5 {
		t.Fatal("a duplicate was saved")
	}
}

func TestEditSecurityMovesDefaultPort(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.selectName("alice-work")                   // tls, 993
	d.keys("e", "tab", "tab", "right", "ctrl+s") // tls -> starttls
	if a := fx.reopen(t).Find("alice-work"); a.Port != 143 || a.Security != vault.STARTTLS {
		t.Fatalf("saved %s:%d", a.Security, a.Port)
	}
	d.selectName("carol") // tls, 993 typed by hand as 1993 stays
	d.keys("e", "tab", "tab", "tab", "ctrl+u", "'1993", "up", "right", "ctrl+s")
	if a := fx.reopen(t).Find("carol"); a.Port != 1993 {
		t.Fatalf("a port typed by hand changed to %d", a.Port)
	}
}

func TestEdit(t *testing.T) {
	tests := []struct {
		name        string
		password    string
		wantHistory int
	}{
		{"keep password", "", 0},
		{"new password", "N3w-pass-word-Zq8!", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, false, testAccounts())
			d := unlocked(t, fx)
			d.selectName("carol")
			d.keys("e")
			if v := d.m.form.inputs[fPassword].Value(); v != "" {
				t.Fatal("the edit form holds the password")
			}
			d.keys("tab", "ctrl+u", "'imap2.example.net", "tab", "tab", "tab", "tab", "'"+tt.password, "ctrl+s")
			if d.m.screen != scrList {
				t.Fatalf("edit not saved:\n%s", d.screen())
			}
			a := fx.reopen(t).Find("carol")
			if a.Host != "imap2.example.net" {
				t.Fatalf("host %q on disk", a.Host)
			}
			if len(a.History) != tt.wantHistory {
				t.Fatalf("history %d, want %d", len(a.History), tt.wantHistory)
			}
			if tt.password != "" && (a.Password != tt.password || a.History[0].Password != "pw-carol-Xq7!vR2#mL9z") {
				t.Fatal("new password not current or old one not kept")
			}
		})
	}
}

// otherProgramSaves changes the vault on disk as another imapvault would.
func otherProgramSaves(t *testing.T, fx *fixture, edit func(v *vault.Vault)) {
	t.Helper()
	id, err := vault.LoadIdentity(fx.idPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := vault.Open(fx.vaultPath, id)
	if err != nil {
		t.Fatal(err)
	}
	edit(other.Vault)
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
}

func TestSaveMergesOutsideChanges(t *testing.T) {
	tests := []struct {
		name       string
		theirs     func(v *vault.Vault)
		wantHost   string
		wantNotes  string
		wantStatus string
	}{
		{"different accounts", func(v *vault.Vault) { v.Find("bob-home").Notes = "changed elsewhere" },
			"ours.example.net", "changed elsewhere", "merged changes"},
		{"same field: ours kept, conflict shown", func(v *vault.Vault) { v.Find("carol").Host = "theirs.example.net" },
			"ours.example.net", "", "1 conflict, yours kept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, false, testAccounts())
			d := unlocked(t, fx)
			otherProgramSaves(t, fx, tt.theirs)
			d.selectName("carol")
			d.keys("e", "tab", "ctrl+u", "'ours.example.net", "ctrl+s")
			d.wantScreen(tt.wantStatus)
			v := fx.reopen(t)
			if h := v.Find("carol").Host; h != tt.wantHost {
				t.Fatalf("carol's host on disk %q", h)
			}
			if n := v.Find("bob-home").Notes; n != tt.wantNotes {
				t.Fatalf("bob's notes on disk %q", n)
			}
			if h := d.m.file.Vault.Find("carol").Host; h != tt.wantHost {
				t.Fatalf("carol's host in memory %q", h)
			}
		})
	}
}

func TestEditKeptWhenSaveFails(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	good, err := os.ReadFile(fx.vaultPath)
	if err != nil {
		t.Fatal(err)
	}
	// Something replaces the vault with a file nobody can merge with.
	if err := os.WriteFile(fx.vaultPath, []byte("not a vault"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.selectName("carol")
	d.keys("e", "tab", "ctrl+u", "'kept.example.net", "ctrl+s")
	d.wantScreen("not saved", "unsaved changes")
	if a := d.m.file.Vault.Find("carol"); a.Host != "kept.example.net" {
		t.Fatal("the edit was dropped from memory")
	}
	// Auto-lock waits rather than drop the only copy.
	d.tick(20*time.Minute, fx.clk)
	if d.m.screen == scrUnlock {
		t.Fatal("auto-lock dropped an unsaved edit")
	}
	// The file comes back; ctrl+s saves the kept edit.
	if err := os.WriteFile(fx.vaultPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	d.keys("ctrl+s")
	d.notOnScreen("unsaved changes")
	if h := fx.reopen(t).Find("carol").Host; h != "kept.example.net" {
		t.Fatalf("host on disk %q after retry", h)
	}
}

func TestDelete(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.selectName("dave-legacy")
	d.keys("d")
	d.wantScreen("Delete dave-legacy?")
	d.keys("n")
	if d.m.screen != scrList || fx.reopen(t).Find("dave-legacy") == nil {
		t.Fatal("n deleted or left the list")
	}
	d.selectName("dave-legacy")
	d.keys("d", "y")
	if fx.reopen(t).Find("dave-legacy") != nil {
		t.Fatal("y did not delete on disk")
	}
	d.notOnScreen("dave-legacy  ")
	if len(d.m.list.rows) != 4 {
		t.Fatalf("%d rows after delete", len(d.m.list.rows))
	}
}

func TestHelpAndQuit(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("?")
	if d.m.screen != scrHelp {
		t.Fatal("? did not open help")
	}
	d.wantScreen("check all", "reveal password", "lock now")
	d.keys("esc")
	if d.m.screen != scrList {
		t.Fatal("esc did not leave help")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		d.out = nil
		d.keys(k)
		if !d.sawQuit() {
			t.Fatalf("%s did not quit", k)
		}
	}
}

func (d *driver) sawQuit() bool {
	for _, m := range d.out {
		if _, ok := m.(interface{ String() string }); ok {
			_ = ok
		}
		if isQuit(m) {
			return true
		}
	}
	return false
}

func TestLayoutDropsColumnsWhenNarrow(t *testing.T) {
	tests := []struct {
		width int
		want  []colID
	}{
		{120, []colID{colName, colStatus, colAccount, colSecurity, colChecked, colAge, colBadges}},
		{90, []colID{colName, colStatus, colAccount, colSecurity, colChecked, colAge, colBadges}},
		{80, []colID{colName, colStatus, colAccount, colChecked, colAge, colBadges}},
		{70, []colID{colName, colStatus, colAccount, colAge, colBadges}},
		{55, []colID{colName, colStatus, colAccount}},
		{40, []colID{colName, colStatus}},
		{20, []colID{colName}},
	}
	for _, tt := range tests {
		cols, widths := layout(tt.width)
		var got []colID
		total := 2
		for i, c := range cols {
			got = append(got, c.id)
			total += widths[i] + 1
		}
		if len(got) != len(tt.want) {
			t.Errorf("width %d: columns %v, want %v", tt.width, got, tt.want)
		}
		if total > tt.width && len(cols) > 1 {
			t.Errorf("width %d: table is %d wide", tt.width, total)
		}
	}
}
