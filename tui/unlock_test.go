package tui

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestUnlock(t *testing.T) {
	tests := []struct {
		name       string
		attempts   []string // passphrases typed, in order
		wantScreen screen
		wantText   string
	}{
		{"right passphrase", []string{testPassphrase}, scrList, "alice-work"},
		{"wrong passphrase says so", []string{"nope"}, scrUnlock, "wrong passphrase"},
		{"wrong then right", []string{"nope", testPassphrase}, scrList, "bob-home"},
		{"empty passphrase asks again", []string{""}, scrUnlock, "type the passphrase"},
	}
	fx := newFixture(t, true, testAccounts())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDriver(t, fx.model(fx.options()))
			if d.m.screen != scrUnlock {
				t.Fatalf("screen %d, want unlock", d.m.screen)
			}
			d.wantScreen("passphrase:")
			for _, p := range tt.attempts {
				d.typeText(p)
				if p != "" {
					d.notOnScreen(p) // masked
				}
				d.keys("enter")
			}
			if d.m.screen != tt.wantScreen {
				t.Fatalf("screen %d, want %d:\n%s", d.m.screen, tt.wantScreen, d.screen())
			}
			d.wantScreen(tt.wantText)
			if got := d.m.unlock.input.Value(); got != "" {
				t.Errorf("passphrase left in the input: %q", got)
			}
		})
	}
}

func TestPlainIdentityOpensStraightToList(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := newDriver(t, fx.model(fx.options()))
	if d.m.screen != scrList {
		t.Fatalf("screen %d, want list:\n%s", d.m.screen, d.screen())
	}
}

func TestPassphraseOptionSkipsPrompt(t *testing.T) {
	fx := newFixture(t, true, testAccounts())
	opts := fx.options()
	opts.Passphrase = []byte(testPassphrase)
	d := newDriver(t, fx.model(opts))
	if d.m.screen != scrList {
		t.Fatalf("screen %d, want list:\n%s", d.m.screen, d.screen())
	}
	if len(opts.Passphrase) == 0 || string(opts.Passphrase) != strings.Repeat("\x00", len(testPassphrase)) {
		t.Error("the passphrase buffer was not wiped after use")
	}
	d.tick(11*time.Minute, fx.clk)
	if d.m.screen != scrUnlock || !d.m.unlock.needPass {
		t.Fatal("after auto-lock the passphrase option unlocked again without asking")
	}
	d.wantScreen("passphrase:")
}

func TestMissingIdentityIsFatal(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	opts := fx.options()
	opts.IdentityPath += ".missing"
	d := newDriver(t, fx.model(opts))
	if d.m.screen != scrFatal || !strings.Contains(d.screen(), "--identity") {
		t.Fatalf("want a fatal screen naming --identity:\n%s", d.screen())
	}
}

// TestAutoLock locks after 10 idle minutes both when a caller asks for 10
// and by default: no option, no vault setting (what `imapvault` runs with).
func TestAutoLock(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  time.Duration
	}{{"explicit 10 minutes", 10 * time.Minute}, {"default", 0}} {
		t.Run(tt.name, func(t *testing.T) { testAutoLock(t, tt.opt) })
	}
}

func testAutoLock(t *testing.T, opt time.Duration) {
	fx := newFixture(t, true, testAccounts())
	opts := fx.options()
	opts.AutoLock = opt
	d := newDriver(t, fx.model(opts))
	d.unlock()
	if opt == 0 && d.m.file.Vault.Settings.AutoLockMinutes != 0 {
		t.Fatal("the fixture's vault sets an auto-lock: the default is not under test")
	}
	d.tick(9*time.Minute, fx.clk)
	if d.m.screen != scrList {
		t.Fatal("locked before the idle time")
	}
	d.keys("j") // activity restarts the idle clock
	d.tick(9*time.Minute, fx.clk)
	if d.m.screen != scrList {
		t.Fatal("locked although a key was pressed 9 minutes ago")
	}
	d.tick(2*time.Minute, fx.clk)
	if d.m.screen != scrUnlock || d.m.file != nil || d.m.id != nil {
		t.Fatalf("not locked after 11 idle minutes: screen %d", d.m.screen)
	}
	d.notOnScreen("alice-work", "bob-home")
	d.wantScreen("locked after being idle")
	// And it unlocks again.
	d.typeText(testPassphrase)
	d.keys("enter")
	if d.m.screen != scrList {
		t.Fatalf("unlock after auto-lock failed:\n%s", d.screen())
	}
}

func TestFirstRunCreatesVault(t *testing.T) {
	fx := newFixture(t, true, nil)
	// newFixture made an identity; first run with no identity at all:
	opts := fx.options()
	opts.IdentityPath = fx.dir + "/new-identity.age"
	d := newDriver(t, fx.model(opts))
	if d.m.screen != scrFirstRun {
		t.Fatalf("screen %d, want first run", d.m.screen)
	}
	d.wantScreen("imapvault import FILE.csv")
	d.typeText("short")
	d.wantScreen("strength:")
	d.keys("enter")
	d.typeText("different")
	d.keys("enter")
	d.wantScreen("differ")
	d.typeText("a long enough passphrase")
	d.keys("tab")
	d.typeText("a long enough passphrase")
	d.keys("enter")
	if d.m.screen != scrList {
		t.Fatalf("screen %d after create:\n%s", d.m.screen, d.screen())
	}
	d.wantScreen("No accounts yet")
}

func TestAutoLockPlainIdentityReopensOnEnter(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.tick(11*time.Minute, fx.clk)
	if d.m.screen != scrUnlock || d.m.file != nil {
		t.Fatal("not locked")
	}
	d.wantScreen("press enter to open the vault again")
	d.notOnScreen("alice-work")
	d.keys("enter")
	if d.m.screen != scrList {
		t.Fatalf("enter did not reopen:\n%s", d.screen())
	}
}

func TestAutoLockUsesVaultSetting(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	opts := fx.options()
	opts.AutoLock = 0
	d := newDriver(t, fx.model(opts))
	d.m.file.Vault.Settings.AutoLockMinutes = 2
	d.tick(119*time.Second, fx.clk)
	if d.m.screen != scrList {
		t.Fatal("locked early")
	}
	d.tick(time.Second, fx.clk)
	if d.m.screen != scrUnlock {
		t.Fatal("the vault's 2-minute setting was not used")
	}
}

func TestFirstRunWithExistingIdentity(t *testing.T) {
	fx := newFixture(t, true, nil) // identity made, no vault
	d := newDriver(t, fx.model(fx.options()))
	if d.m.screen != scrFirstRun || d.m.first.fields() != 1 {
		t.Fatalf("screen %d fields %d", d.m.screen, d.m.first.fields())
	}
	d.typeText("wrong one")
	d.keys("enter")
	d.wantScreen("wrong passphrase")
	if _, err := os.Stat(fx.vaultPath); err == nil {
		t.Fatal("a vault was created with a wrong passphrase")
	}
	d.typeText(testPassphrase)
	d.keys("enter")
	if d.m.screen != scrList {
		t.Fatalf("screen %d:\n%s", d.m.screen, d.screen())
	}
	if len(fx.reopen(t).Accounts) != 0 {
		t.Fatal("new vault not empty")
	}
}
