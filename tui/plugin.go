package tui

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"filippo.io/age/plugin"
	"github.com/charmbracelet/x/ansi"
)

// An age plugin (a YubiKey, say) asks for a PIN or a touch while the
// vault is unlocked or saved, from inside a command. Its questions come to
// Update as messages; the command waits on reply until the person answers,
// so the TUI stays in charge of the terminal.

type pluginAskMsg struct {
	name, prompt string
	secret       bool
	yes, no      string // set for a yes/no question
	reply        chan pluginReply
}

type pluginReply struct {
	value string
	yes   bool
	err   error
}

type pluginNoteMsg struct{ text string }

var errPluginCancelled = errors.New("cancelled at the plugin's prompt")

// pluginUI turns an age plugin's callbacks into messages sent to the program.
func pluginUI(send func(tea.Msg)) *plugin.ClientUI {
	ask := func(m pluginAskMsg) pluginReply {
		m.reply = make(chan pluginReply, 1)
		send(m)
		return <-m.reply
	}
	return &plugin.ClientUI{
		DisplayMessage: func(name, message string) error {
			send(pluginNoteMsg{text: "age-plugin-" + name + ": " + message})
			return nil
		},
		RequestValue: func(name, prompt string, secret bool) (string, error) {
			r := ask(pluginAskMsg{name: name, prompt: prompt, secret: secret})
			return r.value, r.err
		},
		Confirm: func(name, prompt, yes, no string) (bool, error) {
			r := ask(pluginAskMsg{name: name, prompt: prompt, yes: yes, no: no})
			return r.yes, r.err
		},
		WaitTimer: func(name string) {
			send(pluginNoteMsg{text: "waiting for age-plugin-" + name + " (touch your key?)"})
		},
	}
}

// pluginAsk is the question shown on top of whatever screen is up.
type pluginAsk struct {
	msg   pluginAskMsg
	input textInput
}

func (m Model) onPluginAsk(msg pluginAskMsg) (tea.Model, tea.Cmd) {
	if m.ask != nil { // one question at a time; a second one is refused
		msg.reply <- pluginReply{err: errors.New("another plugin prompt is open")}
		return m, nil
	}
	in := newTextInput("> ")
	if msg.secret {
		masked(&in)
	}
	in.SetWidth(max(20, m.width-8))
	in.Focus()
	m.ask = &pluginAsk{msg: msg, input: in}
	return m, nil
}

func (m Model) pluginKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	a := *m.ask
	answer := func(r pluginReply) (tea.Model, tea.Cmd) {
		a.input.Reset()
		a.msg.reply <- r
		m.ask = nil
		return m, nil
	}
	switch {
	case msg.String() == "esc":
		return answer(pluginReply{err: errPluginCancelled})
	case a.msg.yes != "" && (msg.String() == "y" || msg.String() == "enter"):
		return answer(pluginReply{yes: true})
	case a.msg.yes != "" && msg.String() == "n":
		return answer(pluginReply{yes: false})
	case a.msg.yes == "" && msg.String() == "enter":
		return answer(pluginReply{value: a.input.Value()})
	case a.msg.yes == "":
		a.input, _ = a.input.Update(msg)
		m.ask = &a
	}
	return m, nil
}

func (m Model) viewPluginAsk() string {
	a, s := m.ask, m.styles
	w := max(20, m.width-6)
	lines := []string{s.Title.Render("age-plugin-" + safe(a.msg.name) + " asks"), "", ansi.Wordwrap(safeText(a.msg.prompt, 2000), w, "")}
	if a.msg.yes != "" {
		choice := s.Key.Render("y") + " " + safe(a.msg.yes)
		if a.msg.no != "" {
			choice += "   " + s.Key.Render("n") + " " + safe(a.msg.no)
		}
		lines = append(lines, "", choice)
	} else {
		lines = append(lines, "", a.input.View(), "", s.Key.Render("enter")+" answer")
	}
	lines = append(lines, s.Key.Render("esc")+"   cancel")
	return " " + strings.ReplaceAll(strings.Join(lines, "\n"), "\n", "\n ")
}
