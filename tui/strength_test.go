package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/vault"
)

// The first unlock of a vault without stored strength scores scores them
// in the audit command and keeps them in the vault on disk, so the next
// unlock only looks them up.
func TestUnlockKeepsStrengthScores(t *testing.T) {
	fx := newFixture(t, false, testvault.Realistic(40, t0).Accounts)
	if v := fx.reopen(t); v.StrengthKey != "" || v.Accounts[0].Strength != nil {
		t.Fatal("the fixture already has scores: the test proves nothing")
	}
	d := unlocked(t, fx)
	if !strings.Contains(d.screen(), "weak") {
		t.Errorf("no weak badge after the first audit:\n%s", d.screen())
	}
	v := fx.reopen(t)
	if v.StrengthKey == "" {
		t.Fatal("no strength key saved")
	}
	if n := audit.Score(v, nil); n != 0 {
		t.Errorf("%d accounts still lack a fitting score on disk", n)
	}
}

// While scores are computed, the clock puts their progress on the status
// line (the audit command runs beside the keys).
func TestScoringProgressOnStatusLine(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	p := &scoreProgress{}
	p.total.Store(3000)
	p.done.Store(1200)
	d.m.audit.scoring = p
	d.send(tickMsg{})
	d.wantScreen("scoring password strength: 1200 of 3000")
	d.keys("j") // keys still work meanwhile
	if d.m.screen != scrList {
		t.Fatal("a key left the list")
	}
}

// BenchmarkUnlockToAuditColumn10k is the time from the passphrase's enter
// to the list with its AUDIT column painted, on 10,000 accounts of the
// realistic mix whose scores are stored (warm): decrypt, audit, first frame.
func BenchmarkUnlockToAuditColumn10k(b *testing.B) {
	v := testvault.Realistic(10_000, t0)
	audit.Score(v, nil)
	fx := newFixture(b, true, v.Accounts)
	id, err := vault.LoadIdentity(fx.idPath, func() ([]byte, error) { return []byte(testPassphrase), nil })
	if err != nil {
		b.Fatal(err)
	}
	f, err := vault.Open(fx.vaultPath, id)
	if err != nil {
		b.Fatal(err)
	}
	f.Vault.StrengthKey = v.StrengthKey // the scores were made under it
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
	if audit.Score(f.Vault, nil) != 0 {
		b.Fatal("the stored scores do not fit: this would measure the cold path")
	}
	for b.Loop() {
		b.StopTimer()
		d := newDriver(b, fx.model(fx.options()))
		d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
		d.typeText(testPassphrase)
		b.StartTimer()
		d.keys("enter")
		if d.m.screen == scrOverview {
			d.keys("esc")
		}
		if len(d.m.audit.findings) == 0 || !strings.Contains(d.m.View().Content, "AUDIT") {
			b.Fatalf("no AUDIT column after unlock (%d findings, screen %d):\n%s", len(d.m.audit.findings), d.m.screen, d.screen())
		}
	}
}
