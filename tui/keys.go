package tui

import "charm.land/bubbles/v2/key"

// keyMap is the one keymap every screen shares, so the help screen can list
// all of it and the short help bar never lies about what a key does.
type keyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding

	Filter, Enter, Add, Edit, Delete    key.Binding
	Check, CheckAll, Rotate, Sort       key.Binding
	Copy, Reveal, Audit, Help, Back     key.Binding
	Overview                            key.Binding
	Quit, ForceQuit, Lock               key.Binding
	NextField, PrevField, Save, Confirm key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, k, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(k, desc))
	}
	return keyMap{
		Up:        b([]string{"up", "k"}, "↑/k", "up"),
		Down:      b([]string{"down", "j"}, "↓/j", "down"),
		PageUp:    b([]string{"pgup", "ctrl+u"}, "pgup", "page up"),
		PageDown:  b([]string{"pgdown", "ctrl+d"}, "pgdn", "page down"),
		Top:       b([]string{"home", "g"}, "g", "first"),
		Bottom:    b([]string{"end", "G"}, "G", "last"),
		Filter:    b([]string{"/"}, "/", "filter"),
		Enter:     b([]string{"enter"}, "enter", "details"),
		Add:       b([]string{"a"}, "a", "add"),
		Edit:      b([]string{"e"}, "e", "edit"),
		Delete:    b([]string{"d"}, "d", "delete"),
		Check:     b([]string{"c"}, "c", "check"),
		CheckAll:  b([]string{"C"}, "C", "check all"),
		Rotate:    b([]string{"r"}, "r", "rotate"),
		Sort:      b([]string{"s"}, "s", "sort"),
		Copy:      b([]string{"y"}, "y", "copy password"),
		Reveal:    b([]string{"p"}, "p", "reveal password"),
		Audit:     b([]string{"A"}, "A", "audit"),
		Overview:  b([]string{"o"}, "o", "overview"),
		Help:      b([]string{"?"}, "?", "help"),
		Back:      b([]string{"esc"}, "esc", "back"),
		Quit:      b([]string{"q"}, "q", "quit"),
		ForceQuit: b([]string{"ctrl+c"}, "ctrl+c", "quit"),
		Lock:      b([]string{"L"}, "L", "lock now"),
		NextField: b([]string{"tab", "down"}, "tab", "next field"),
		PrevField: b([]string{"shift+tab", "up"}, "shift+tab", "previous field"),
		Save:      b([]string{"ctrl+s"}, "ctrl+s", "save"),
		Confirm:   b([]string{"y", "Y"}, "y", "yes"),
	}
}

// ShortHelp is the bar under the list.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Enter, k.Filter, k.Add, k.Copy, k.CheckAll, k.Audit, k.Help, k.Quit}
}

// FullHelp is the help screen, one column per group.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Sort, k.Filter},
		{k.Enter, k.Add, k.Edit, k.Delete, k.Rotate, k.Audit, k.Overview},
		{k.Check, k.CheckAll, k.Copy, k.Reveal, k.Lock},
		{k.Help, k.Back, k.Quit, k.ForceQuit},
	}
}

// helpKeys adapts a fixed list of bindings to help.KeyMap for screens with
// their own short bar.
type helpKeys []key.Binding

func (h helpKeys) ShortHelp() []key.Binding  { return h }
func (h helpKeys) FullHelp() [][]key.Binding { return [][]key.Binding{h} }
