package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/internal/testvault"
	"github.com/imapvault/imapvault/vault"
)

// scaleModel is an unlocked model over a hosting provider's 100,000
// accounts (testvault.Hosting: a third in groups of ~280 on a shared
// default) with stored strength scores and the audit done, on the list.
func scaleModel(b *testing.B) Model {
	b.Helper()
	v := testvault.Hosting(100_000, 280, t0)
	audit.Score(v, nil)
	fx := newFixture(b, false, nil)
	writeVault(b, fx, v)
	d := unlocked(b, fx)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	if len(d.m.audit.findings) == 0 {
		b.Fatal("no audit findings after unlock")
	}
	return d.m
}

// BenchmarkScale100k is what one message costs the UI goroutine (Update,
// then the frame) over 100,000 accounts: keys on the list, the filter, a
// sort, the overview and the audit screen, and the audit's result coming
// in (the audit itself runs in a command, off the UI goroutine).
func BenchmarkScale100k(b *testing.B) {
	base := scaleModel(b)
	step := func(b *testing.B, m Model, msg tea.Msg) {
		for b.Loop() {
			nm, _ := m.Update(msg)
			_ = nm.(Model).View()
		}
	}
	b.Run("list_down", func(b *testing.B) { step(b, base, keyMsg("down")) })
	b.Run("filter_first_key", func(b *testing.B) {
		nm, _ := base.Update(keyMsg("/"))
		step(b, nm.(Model), keyMsg("7"))
	})
	b.Run("sort", func(b *testing.B) { step(b, base, keyMsg("s")) })
	b.Run("overview_frame", func(b *testing.B) {
		nm, _ := base.Update(keyMsg("o"))
		step(b, nm.(Model), keyMsg("down"))
	})
	b.Run("audit_frame", func(b *testing.B) {
		nm, _ := base.Update(keyMsg("A"))
		m := nm.(Model)
		if m.screen != scrAudit {
			b.Fatal("A did not open the audit screen")
		}
		step(b, m, keyMsg("down"))
	})
	b.Run("audit_done", func(b *testing.B) {
		m := base
		msg := m.runAudit()() // the audit itself, in the command
		step(b, m, msg)
	})
}

// writeVault saves v (accounts, strength key) as fx's vault.
func writeVault(b testing.TB, fx *fixture, v *vault.Vault) {
	b.Helper()
	id, err := vault.LoadIdentity(fx.idPath, nil)
	if err != nil {
		b.Fatal(err)
	}
	f, err := vault.Create(fx.vaultPath, id, t0)
	if err != nil {
		b.Fatal(err)
	}
	f.Vault.Accounts, f.Vault.StrengthKey = v.Accounts, v.StrengthKey
	if err := f.Save(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}
