package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/vault"
)

// The add form's security field is a choice, not free text: typing or
// pasting changes nothing, left/right/space move through tls, starttls and
// insecure, a first letter picks one, and the port hint follows (#29).
func TestFormSecurityIsAChoice(t *testing.T) {
	fx := newFixture(t, false, testAccounts())
	d := unlocked(t, fx)
	d.keys("a", "tab", "tab", "tab") // address, name, host: on security
	if d.m.form.focused != fSecurity {
		t.Fatalf("focus on field %d", d.m.form.focused)
	}
	sec := func() string { return d.m.form.inputs[fSecurity].Value() }
	d.wantScreen("[tls]  starttls   insecure", "←/→ to choose", "←/→ choose")
	steps := []struct {
		keys []string
		want string
		hint string
	}{
		{[]string{"'xyz", "backspace", "ctrl+u"}, "tls", "993 (default for tls)"},
		{[]string{"right"}, "starttls", "143 (default for starttls)"},
		{[]string{"space"}, "insecure", "143 (default for insecure)"},
		{[]string{"right"}, "tls", "993 (default for tls)"},
		{[]string{"left"}, "insecure", ""},
		{[]string{"left"}, "starttls", ""},
		{[]string{"t"}, "tls", ""},
		{[]string{"i"}, "insecure", ""},
		{[]string{"s"}, "starttls", ""},
	}
	for _, st := range steps {
		d.keys(st.keys...)
		if sec() != st.want {
			t.Fatalf("after %v: security %q, want %q", st.keys, sec(), st.want)
		}
		if st.hint != "" && d.m.form.inputs[fPort].Placeholder != st.hint {
			t.Errorf("after %v: port hint %q", st.keys, d.m.form.inputs[fPort].Placeholder)
		}
	}
	d.send(tea.PasteMsg{Content: "insecure"})
	if sec() != "starttls" {
		t.Fatalf("a paste changed the choice to %q", sec())
	}
	d.wantScreen("[starttls]")
	d.keys("up", "up", "'frank", "tab", "'imap.example.org", "tab", "tab", "tab", "'frank", "tab", "'Choice-pw-Zq8!x", "ctrl+s")
	a := fx.reopen(t).Find("frank")
	if a == nil || a.Security != vault.STARTTLS || a.Port != 143 {
		t.Fatalf("saved %+v", a)
	}
}
