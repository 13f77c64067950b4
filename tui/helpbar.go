package tui

import (
	"slices"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// fitHelp is the short help bar of bs, fitted to the screen's width:
// while it is too wide, the binding named first in drop leaves. What drop
// does not name always stays (? help, q quit, esc back: they lead to
// everything else), where cutting the bar at the width would lose them.
func (m Model) fitHelp(bs []key.Binding, drop ...key.Binding) string {
	h := m.help
	h.SetWidth(0) // measure whole; only then choose what leaves
	bar := h.ShortHelpView(bs)
	for _, d := range drop {
		if m.width <= 0 || ansi.StringWidth(bar) <= m.width {
			break
		}
		bs = slices.DeleteFunc(bs, func(b key.Binding) bool { return b.Help().Key == d.Help().Key })
		bar = h.ShortHelpView(bs)
	}
	return bar
}

// listHelpBar is the bar under the list.
func (m Model) listHelpBar() string {
	k := m.keys
	return m.fitHelp(k.ShortHelp(), k.CheckAll, k.Audit, k.Copy, k.Add, k.Filter, k.Enter)
}

// detailHelpBar is the bar under an account's detail.
func (m Model) detailHelpBar() string {
	k := m.keys
	return m.fitHelp(m.detailHelp(), k.Delete, k.Reveal, k.Rotate, k.Check, k.Copy, k.Edit, k.Down)
}
