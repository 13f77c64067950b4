package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// textInput is a one-line input field. bubbles' textinput pulls in a
// clipboard module this build does not carry, and a password field wants
// few features anyway: typing, paste, cursor moves, deletes, a mask.
type textInput struct {
	Prompt, Placeholder string
	Mask                rune // shown instead of each character; 0 shows them
	width               int
	value               []rune
	pos                 int
	focused             bool
}

func newTextInput(prompt string) textInput { return textInput{Prompt: prompt, width: 40} }

func (t *textInput) SetWidth(w int)    { t.width = w }
func (t textInput) Value() string      { return string(t.value) }
func (t *textInput) SetValue(s string) { t.value = []rune(s); t.pos = len(t.value) }
func (t *textInput) CursorEnd()        { t.pos = len(t.value) }
func (t *textInput) Blur()             { t.focused = false }
func (t *textInput) Focus() tea.Cmd    { t.focused = true; return nil }
func (t textInput) Focused() bool      { return t.focused }
func (t *textInput) insert(s string)   { t.insertRunes([]rune(s)) }
func (t *textInput) Reset()            { clear(t.value); t.value, t.pos = nil, 0 }
func (t *textInput) insertRunes(r []rune) {
	v := make([]rune, 0, len(t.value)+len(r))
	v = append(append(append(v, t.value[:t.pos]...), r...), t.value[t.pos:]...)
	clear(t.value) // do not leave stray copies of a passphrase behind
	t.value = v
	t.pos += len(r)
}

// Update edits the value on keys and pastes while focused.
func (t textInput) Update(msg tea.Msg) (textInput, tea.Cmd) {
	if !t.focused {
		return t, nil
	}
	switch msg := msg.(type) {
	case tea.PasteMsg:
		t.insert(strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, msg.Content))
	case tea.KeyPressMsg:
		switch msg.String() {
		case "left", "ctrl+b":
			t.pos = max(0, t.pos-1)
		case "right", "ctrl+f":
			t.pos = min(len(t.value), t.pos+1)
		case "home", "ctrl+a":
			t.pos = 0
		case "end", "ctrl+e":
			t.pos = len(t.value)
		case "backspace", "ctrl+h":
			if t.pos > 0 {
				t.value = append(t.value[:t.pos-1], t.value[t.pos:]...)
				t.pos--
			}
		case "delete", "ctrl+d":
			if t.pos < len(t.value) {
				t.value = append(t.value[:t.pos], t.value[t.pos+1:]...)
			}
		case "ctrl+u":
			t.value = append([]rune(nil), t.value[t.pos:]...)
			t.pos = 0
		case "ctrl+k":
			t.value = t.value[:t.pos]
		case "ctrl+w", "alt+backspace":
			i := t.pos
			for i > 0 && t.value[i-1] == ' ' {
				i--
			}
			for i > 0 && t.value[i-1] != ' ' {
				i--
			}
			t.value = append(t.value[:i], t.value[t.pos:]...)
			t.pos = i
		default:
			if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
				t.insert(msg.Text)
			}
		}
	}
	return t, nil
}

var cursorStyle = lipgloss.NewStyle().Reverse(true)

// View draws the prompt and the part of the value around the cursor that
// fits the width.
func (t textInput) View() string {
	if len(t.value) == 0 && !t.focused && t.Placeholder != "" {
		return t.Prompt + lipgloss.NewStyle().Faint(true).Render(t.Placeholder)
	}
	shown := t.value
	if t.Mask != 0 {
		shown = []rune(strings.Repeat(string(t.Mask), len(t.value)))
	}
	w := max(1, t.width-1)
	start := 0
	if t.pos > w {
		start = t.pos - w
	}
	end := min(len(shown), start+w)
	before, after := string(shown[start:min(t.pos, end)]), ""
	cur := " "
	if t.pos < len(shown) {
		cur = string(shown[t.pos])
		if t.pos+1 < end {
			after = string(shown[t.pos+1 : end])
		}
	}
	if !t.focused {
		return t.Prompt + ansi.Truncate(string(shown[start:end]), w, "")
	}
	if len(t.value) == 0 && t.Placeholder != "" {
		ph := []rune(t.Placeholder)
		return t.Prompt + cursorStyle.Render(string(ph[0])) + lipgloss.NewStyle().Faint(true).Render(string(ph[1:]))
	}
	return t.Prompt + before + cursorStyle.Render(cur) + after
}
