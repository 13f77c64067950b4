package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is the one set of styles every screen draws with. It is rebuilt
// when the terminal reports its background colour, and has no colours at all
// under NO_COLOR, so meaning never rests on colour alone (every status has a
// word and an icon too).
type Styles struct {
	Title, Subtle, Header, Selected, Banner lipgloss.Style
	OK, Warn, Bad, Info                     lipgloss.Style
	Error, Status, Label, Value, Key        lipgloss.Style
	Box                                     lipgloss.Style
	Help                                    help.Styles
	noColor                                 bool
}

func newStyles(dark, noColor bool) Styles {
	s := Styles{noColor: noColor}
	base := lipgloss.NewStyle()
	if noColor {
		s.Title = base.Bold(true)
		s.Subtle = base.Faint(true)
		s.Header = base.Bold(true).Underline(true)
		s.Selected = base.Reverse(true)
		s.Banner = base.Bold(true)
		s.OK, s.Warn, s.Info = base, base.Bold(true), base
		s.Bad = base.Bold(true)
		s.Error = base.Bold(true)
		s.Status, s.Label, s.Value, s.Key = base, base.Bold(true), base, base.Bold(true)
		s.Box = base.Border(lipgloss.NormalBorder()).Padding(0, 1)
		s.Help = help.Styles{
			ShortKey: base.Bold(true), ShortDesc: base, ShortSeparator: base,
			FullKey: base.Bold(true), FullDesc: base, FullSeparator: base, Ellipsis: base,
		}
		return s
	}
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	accent := c("#5A4FCF", "#A99BFF")
	subtle := c("#767676", "#8A8A8A")
	s.Title = base.Bold(true).Foreground(accent)
	s.Subtle = base.Foreground(subtle)
	s.Header = base.Bold(true).Foreground(subtle)
	s.Selected = base.Background(c("#E4E0FF", "#3A3360")).Foreground(c("#1A1A1A", "#F2F2F2"))
	s.Banner = base.Bold(true).Foreground(c("#8A5A00", "#FFCB6B"))
	s.OK = base.Foreground(c("#1E7F3C", "#5FD787"))
	s.Warn = base.Foreground(c("#8A5A00", "#FFCB6B"))
	s.Bad = base.Foreground(c("#B3261E", "#FF7A70")).Bold(true)
	s.Info = base.Foreground(c("#2A5DB0", "#82AAFF"))
	s.Error = base.Foreground(c("#B3261E", "#FF7A70")).Bold(true)
	s.Status = base.Foreground(subtle)
	s.Label = base.Foreground(subtle)
	s.Value = base
	s.Key = base.Bold(true).Foreground(accent)
	s.Box = base.Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Help = help.DefaultStyles(dark)
	return s
}
