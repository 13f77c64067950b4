package tui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

// TestGoldenScreens renders every screen at 80x24 and 120x40, colours
// stripped, against testdata/TestGoldenScreens/*.golden (-update rewrites).
// The vault is opened by a relative path so the files do not depend on
// where the test runs.
func TestGoldenScreens(t *testing.T) {
	screens := []struct {
		name  string
		setup func(d *driver)
		fresh bool // no vault yet: the first-run screen
	}{
		{"first_run", nil, true},
		{"first_run_typed", func(d *driver) { d.typeText("horse battery") }, true},
		{"unlock", nil, false},
		{"unlock_wrong", func(d *driver) { d.typeText("nope"); d.keys("enter") }, false},
		{"list", func(d *driver) { d.unlock() }, false},
		{"list_filter", func(d *driver) { d.unlock(); d.keys("/"); d.typeText("example.com") }, false},
		{"list_sorted_by_name", func(d *driver) { d.unlock(); d.keys("s") }, false},
		{"detail", func(d *driver) { d.unlock(); d.selectName("alice-work"); d.keys("enter") }, false},
		{"detail_failed", func(d *driver) { d.unlock(); d.selectName("bob-home"); d.keys("enter") }, false},
		{"form_add", func(d *driver) { d.unlock(); d.keys("a", "tab"); d.typeText("new") }, false},
		{"form_discovered", func(d *driver) { d.unlock(); d.keys("a"); d.typeText("fred@gmail.com"); d.keys("tab") }, false},
		{"form_edit", func(d *driver) { d.unlock(); d.selectName("carol"); d.keys("e") }, false},
		{"form_security", func(d *driver) { d.unlock(); d.keys("a", "tab", "tab", "tab", "right") }, false},
		{"form_error", func(d *driver) { d.unlock(); d.keys("a", "tab"); d.typeText("x"); d.keys("ctrl+s") }, false},
		{"confirm_delete", func(d *driver) { d.unlock(); d.selectName("dave-legacy"); d.keys("d") }, false},
		{"audit", func(d *driver) { d.unlock(); d.keys("A") }, false},
		{"help", func(d *driver) { d.unlock(); d.keys("?") }, false},
		{"rotate_intro", func(d *driver) { d.unlock(); d.selectName("carol"); d.keys("r") }, false},
		{"rotate_pending", func(d *driver) { d.unlock(); d.selectName("erin-shared"); d.keys("r") }, false},
		{"copied", func(d *driver) { d.unlock(); d.selectName("carol"); d.keys("y") }, false},
	}
	sizes := [][2]int{{80, 24}, {120, 40}}
	fx := newFixture(t, true, testAccounts())
	fresh := newFixture(t, true, nil)
	home, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range screens {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", sc.name, sz[0], sz[1]), func(t *testing.T) {
				opts := fx.options()
				opts.VaultPath, opts.IdentityPath = "vault.age", "identity.age"
				// Relative paths, so the frames do not depend on the temp
				// dir; back home before golden looks for testdata.
				dir := fx.dir
				if sc.fresh {
					dir = fresh.dir
					opts.IdentityPath = "new-identity.age"
				}
				if err := os.Chdir(dir); err != nil {
					t.Fatal(err)
				}
				defer os.Chdir(home)
				d := newDriver(t, fx.model(opts))
				d.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				if sc.setup != nil {
					sc.setup(d)
				}
				out := d.screen()
				lines := strings.Split(out, "\n")
				if len(lines) != sz[1] {
					t.Errorf("%d lines, want %d", len(lines), sz[1])
				}
				for i, l := range lines {
					if w := len([]rune(l)); w > sz[0] {
						t.Errorf("line %d is %d wide, more than %d: %q", i, w, sz[0], l)
					}
				}
				if strings.Contains(out, sentinel) {
					t.Fatal("the sentinel password is on screen")
				}
				if err := os.Chdir(home); err != nil {
					t.Fatal(err)
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}

func (d *driver) unlock() {
	d.t.Helper()
	d.typeText(testPassphrase)
	d.keys("enter")
	if d.m.screen != scrList {
		d.t.Fatalf("unlock failed:\n%s", d.screen())
	}
}
