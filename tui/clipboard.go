package tui

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Copies are cleared after clipTimeout, reveals hidden after revealTimeout.
const (
	clipTimeout   = 30 * time.Second
	revealTimeout = 10 * time.Second
)

// osc52Overwrite replaces a password copied by OSC 52. An empty OSC 52
// write is ignored by tmux (and some terminals), which would leave the
// password as the thing the next paste inserts; a space replaces it.
const osc52Overwrite = " "

// osc52Warning is what the person is told when a copy had to go by OSC 52.
const osc52Warning = "copied by OSC 52: tmux keeps it in its paste buffers after the clear (tmux delete-buffer removes it)"

// clipboardTool is the system clipboard. The password goes to the tool on
// stdin, never in argv or the environment.
type clipboardTool interface {
	Name() string
	Write(s string) error
	Read() (string, error)
}

type execClipboard struct {
	name        string
	write, read []string
	clear       []string // empties the clipboard; nil: write nothing
}

func (c execClipboard) Name() string { return c.name }

func (c execClipboard) Write(s string) error {
	argv := c.write
	if s == "" && c.clear != nil {
		argv = c.clear
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader([]byte(s))
	cmd.Env = clipboardEnv(os.Environ())
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return nil
}

func (c execClipboard) Read() (string, error) {
	cmd := exec.Command(c.read[0], c.read[1:]...)
	cmd.Env = clipboardEnv(os.Environ())
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", c.name, err)
	}
	return string(out), nil
}

// clipboardEnv is the environment a clipboard tool gets: what it needs to
// find the display and the session, nothing else (the parent's environment
// may hold tokens the tool has no business seeing).
func clipboardEnv(env []string) []string {
	keep := map[string]bool{"PATH": true, "HOME": true, "USER": true, "LOGNAME": true, "LANG": true, "TMPDIR": true,
		"DISPLAY": true, "XAUTHORITY": true, "WAYLAND_DISPLAY": true, "XDG_RUNTIME_DIR": true,
		"XDG_SESSION_TYPE": true, "DBUS_SESSION_BUS_ADDRESS": true, "__CF_USER_TEXT_ENCODING": true}
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if keep[name] || strings.HasPrefix(name, "LC_") {
			out = append(out, kv)
		}
	}
	return out
}

// detectClipboard finds a clipboard tool for this session, or nil.
func detectClipboard() clipboardTool {
	has := func(bin string) bool { _, err := exec.LookPath(bin); return err == nil }
	switch {
	case runtime.GOOS == "darwin" && has("pbcopy"):
		return execClipboard{name: "pbcopy", write: []string{"pbcopy"}, read: []string{"pbpaste"}}
	case os.Getenv("WAYLAND_DISPLAY") != "" && has("wl-copy"):
		return execClipboard{name: "wl-copy", write: []string{"wl-copy"}, read: []string{"wl-paste", "--no-newline"}, clear: []string{"wl-copy", "--clear"}}
	case os.Getenv("DISPLAY") != "" && has("xclip"):
		return execClipboard{name: "xclip", write: []string{"xclip", "-selection", "clipboard"}, read: []string{"xclip", "-selection", "clipboard", "-o"}}
	case os.Getenv("DISPLAY") != "" && has("xsel"):
		return execClipboard{name: "xsel", write: []string{"xsel", "--clipboard", "--input"}, read: []string{"xsel", "--clipboard", "--output"}, clear: []string{"xsel", "--clipboard", "--delete"}}
	}
	return nil
}

// clipState remembers a keyed hash of what we copied, not the password, so
// the clear can tell whether the clipboard still holds it.
type clipState struct {
	active bool
	until  time.Time
	key    []byte
	sum    []byte
	name   string
}

func clipSum(key []byte, s string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(s))
	return h.Sum(nil)
}

type clipSetMsg struct{ err error }

type clipClearedMsg struct {
	cleared bool // the clipboard still held our copy and now holds nothing
	err     error
}

// copyPassword puts the password on the system clipboard when a tool for
// it is reachable, else on the terminal's by OSC 52 (works over SSH), and
// starts the countdown. The system clipboard comes first: an OSC 52 copy
// also lands in tmux's paste buffers, which no clear reaches.
func (m Model) copyPassword(id string) (tea.Model, tea.Cmd) {
	a := m.account(id)
	if a == nil {
		return m, nil
	}
	return m.copyText(a.Password, "the password of "+a.Name)
}

// copyText copies a secret described by what (never the secret itself).
func (m Model) copyText(secret, what string) (tea.Model, tea.Cmd) {
	key := make([]byte, 32)
	rand.Read(key)
	m.clip = clipState{active: true, until: m.now().Add(clipTimeout), key: key, sum: clipSum(key, secret), name: what}
	if tool, pw := m.clipboard, secret; tool != nil {
		m.setStatus("copied "+what+" ("+tool.Name()+")", false)
		return m, func() tea.Msg { return clipSetMsg{err: tool.Write(pw)} }
	}
	m.setStatus("copied "+what+" — "+osc52Warning, false)
	return m, tea.SetClipboard(secret)
}

func (m Model) onClipSet(msg clipSetMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.setStatus("system clipboard: "+msg.err.Error()+" — nothing copied", true)
		m.clip = clipState{}
	}
	return m, nil
}

// clipTick clears the clipboard when the countdown ends.
func (m *Model) clipTick(now time.Time) tea.Cmd {
	if !m.clip.active || now.Before(m.clip.until) {
		return nil
	}
	c := m.clip
	m.clip = clipState{}
	if m.clipboard == nil {
		// OSC 52 cannot be read back here; overwriting is the safe side.
		return tea.Batch(tea.SetClipboard(osc52Overwrite), func() tea.Msg { return clipClearedMsg{cleared: true} })
	}
	return clearIfOurs(m.clipboard, c)
}

// clearIfOurs empties the system clipboard only if it still holds what we
// put there: the user may have copied something else since.
func clearIfOurs(tool clipboardTool, c clipState) tea.Cmd {
	return func() tea.Msg {
		cur, err := tool.Read()
		if err == nil && !hmac.Equal(clipSum(c.key, cur), c.sum) {
			return clipClearedMsg{}
		}
		if err := tool.Write(""); err != nil {
			return clipClearedMsg{err: err}
		}
		return clipClearedMsg{cleared: true}
	}
}

func (m Model) onClipCleared(msg clipClearedMsg) (tea.Model, tea.Cmd) {
	switch {
	case msg.err != nil:
		m.setStatus("could not clear the clipboard: "+msg.err.Error(), true)
	case msg.cleared:
		m.setStatus("clipboard cleared", false)
	default:
		m.setStatus("clipboard left alone: it holds something else now", false)
	}
	return m, nil
}

// clearClipboardNow is for quitting with a copy still on the clipboard.
func (m Model) clearClipboardNow() tea.Cmd {
	if !m.clip.active {
		return nil
	}
	if m.clipboard != nil {
		return clearIfOurs(m.clipboard, m.clip)
	}
	return tea.SetClipboard(osc52Overwrite)
}

// revealState is the one password on screen, and until when.
type revealState struct {
	id    string
	until time.Time
}

func (m Model) toggleReveal(id string) (tea.Model, tea.Cmd) {
	if id == "" {
		return m, nil
	}
	if m.reveal.id == id {
		m.reveal = revealState{}
		return m, nil
	}
	m.reveal = revealState{id: id, until: m.now().Add(revealTimeout)}
	return m, nil
}
