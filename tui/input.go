package tui

import (
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// textInput is bubbles' text input; every field of the TUI is one.
type textInput = textinput.Model

// newTextInput is a field with the look every screen shares: no colours (it
// reads the same in NO_COLOR and on light backgrounds), a reverse-video
// cursor that does not blink (a blink is a timer per keystroke), a faint
// placeholder.
func newTextInput(prompt string) textInput {
	in := textinput.New()
	in.Prompt = prompt
	in.SetWidth(40)
	base := lipgloss.NewStyle()
	state := textinput.StyleState{Text: base, Placeholder: base.Faint(true), Suggestion: base.Faint(true), Prompt: base}
	in.SetStyles(textinput.Styles{Focused: state, Blurred: state, Cursor: textinput.CursorStyle{Blink: false}})
	return in
}

// masked makes in a secret field: each character shown as a dot.
func masked(in *textInput) {
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
}
