package tui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/imapvault/imapvault/vault"
)

// benchModel is an unlocked model over n accounts, built in memory (the
// benchmarks measure drawing and filtering, not decryption).
func benchModel(b *testing.B, n int) Model {
	b.Helper()
	accs := manyAccounts(n)
	for i, a := range accs {
		if i%4 == 0 {
			a.LastCheck = &vault.Check{At: t0, Status: "ok"}
		}
	}
	fx := newFixture(b, false, accs)
	d := unlocked(b, fx)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	return d.m
}

// BenchmarkListView10k is one frame of the list over 10,000 accounts.
func BenchmarkListView10k(b *testing.B) {
	m := benchModel(b, 10000)
	m.list.cursor = 5000
	m.list.scrollTo(m.visibleRows())
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// BenchmarkFilterKeystroke10k is one keystroke typed into the filter over
// 10,000 accounts, frame included: the first key (the full scan) and a
// later one (narrowing what already matched).
func BenchmarkFilterKeystroke10k(b *testing.B) {
	for _, tc := range []struct{ name, before, key string }{
		{"first", "", "7"},
		{"narrowing", "acct-0", "7"},
		{"widening", "acct-07", "backspace"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := benchModel(b, 10000)
			nm, _ := m.Update(keyMsg("/"))
			m = nm.(Model)
			for _, r := range tc.before {
				nm, _ = m.Update(keyMsg(string(r)))
				m = nm.(Model)
			}
			b.ReportAllocs()
			for b.Loop() {
				nm, _ := m.Update(keyMsg(tc.key))
				_ = nm.(Model).View()
			}
		})
	}
}

func TestBenchModelSanity(t *testing.T) {
	// The benchmark would be meaningless if the filter matched nothing.
	accs := manyAccounts(100)
	fx := newFixture(t, false, accs)
	d := unlocked(t, fx)
	d.keys("/", "'acct-0007")
	if got := len(d.m.list.view); got != 10 {
		t.Fatalf("filter matched %d, want 10", got)
	}
	if s := d.screen(); len(s) == 0 {
		t.Fatal(fmt.Sprint("empty frame"))
	}
}

// BenchmarkOverviewView10k is one frame of the overview over 10,000
// accounts: every figure is counted afresh.
func BenchmarkOverviewView10k(b *testing.B) {
	m := benchModel(b, 10000)
	nm, _ := m.Update(keyMsg("o"))
	m = nm.(Model)
	if m.screen != scrOverview {
		b.Fatal("o did not open the overview")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}
