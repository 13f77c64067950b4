package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"filippo.io/age"
	"github.com/charmbracelet/x/ansi"
	"github.com/imapvault/imapvault/lastcheck"
	"github.com/imapvault/imapvault/vault"
)

func init() { vault.ScryptWorkFactor = 10 }

// sentinel is a password that must never show on screen unless revealed.
const sentinel = "SENTINEL-pw-4d1c8e-never-on-screen"

const testPassphrase = "correct horse battery staple"

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// clock is a settable Now for tests: time moves only when a test says so.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeClipboard is a system clipboard in memory.
type fakeClipboard struct {
	mu     sync.Mutex
	text   string
	writes int
}

func (f *fakeClipboard) Name() string { return "fake" }
func (f *fakeClipboard) Write(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.text = s
	f.writes++
	return nil
}
func (f *fakeClipboard) Read() (string, error) { f.mu.Lock(); defer f.mu.Unlock(); return f.text, nil }
func (f *fakeClipboard) get() string           { s, _ := f.Read(); return s }

// testAccounts is a small vault with every state the list shows.
func testAccounts() []*vault.Account {
	day := 24 * time.Hour
	mk := func(id, name, host, user string, sec vault.Security, changed time.Duration, check *vault.Check) *vault.Account {
		a := &vault.Account{ID: id, Name: name, Host: host, Security: sec, Username: user,
			Password: "pw-" + name + "-Xq7!vR2#mL9z", Created: t0.Add(-800 * day), Changed: t0.Add(-changed), Modified: t0.Add(-changed),
			LastCheck: check}
		a.Port = sec.DefaultPort()
		return a
	}
	ok := &vault.Check{At: t0.Add(-2 * time.Hour), Status: "ok", LatencyMS: 120, ConnectMS: 10, TLSMS: 30, GreetingMS: 20, LoginMS: 60,
		TLS:          &vault.TLSInfo{Version: "TLS 1.3", Subject: "CN=imap.example.com", Issuer: "CN=Example CA", NotAfter: t0.Add(90 * day), DaysLeft: 90},
		Capabilities: []string{"IMAP4rev1", "IDLE", "ID", "AUTH=PLAIN"}}
	bad := &vault.Check{At: t0.Add(-3 * day), Status: "auth_failed", Code: "AUTHENTICATIONFAILED", Error: "Authentication failed.", LatencyMS: 300}
	slow := &vault.Check{At: t0.Add(-1 * day), Status: "timeout", Error: "no greeting within 10s"}
	accs := []*vault.Account{
		mk("a1", "alice-work", "imap.example.com", "alice", vault.TLS, 30*day, ok),
		mk("a2", "bob-home", "mail.example.org", "bob", vault.STARTTLS, 400*day, bad),
		mk("a3", "carol", "imap.example.net", "carol@example.net", vault.TLS, 10*day, slow),
		mk("a4", "dave-legacy", "legacy.example.com", "dave", vault.Insecure, 1000*day, nil),
		mk("a5", "erin-shared", "imap.example.com", "shared", vault.TLS, 90*day, ok),
	}
	accs[0].Password = sentinel
	accs[0].Tags = []string{"work"}
	accs[0].History = []vault.RetiredPassword{{Password: "old-pw-1", Set: t0.Add(-400 * day), Retired: t0.Add(-30 * day), Reason: "rotated"}}
	accs[4].Pending = &vault.Pending{Password: "pending-new-pw", State: vault.PendingSaved, Started: t0.Add(-time.Hour), Updated: t0.Add(-time.Hour)}
	return accs
}

type fixture struct {
	dir, vaultPath, idPath string
	clk                    *clock
	clip                   *fakeClipboard
}

// newFixture writes a vault with accs, opened by a passphrase-protected
// identity (protected) or a plain one.
func newFixture(t testing.TB, protected bool, accs []*vault.Account) *fixture {
	t.Helper()
	dir := t.TempDir()
	fx := &fixture{dir: dir, vaultPath: filepath.Join(dir, "vault.age"), idPath: filepath.Join(dir, "identity.age"),
		clk: &clock{t: t0}, clip: &fakeClipboard{}}
	var id *vault.Identity
	var err error
	if protected {
		id, err = vault.CreateIdentity(fx.idPath, []byte(testPassphrase))
	} else {
		k, _ := age.GenerateX25519Identity()
		if err = os.WriteFile(fx.idPath, []byte(fmt.Sprintf("# public key: %s\n%s\n", k.Recipient(), k)), 0o600); err == nil {
			id, err = vault.LoadIdentity(fx.idPath, nil)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if accs == nil {
		return fx
	}
	f, err := vault.Create(fx.vaultPath, id, t0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Accounts = accs
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return fx
}

func (fx *fixture) options() Options {
	return Options{VaultPath: fx.vaultPath, IdentityPath: fx.idPath, Now: fx.clk.Now, AutoLock: 10 * time.Minute}
}

// model builds a model with the clock stopped and the fake clipboard.
func (fx *fixture) model(opts Options) Model {
	m := New(opts)
	m.tickEvery = 0
	m.clipboard = fx.clip
	return m
}

// reopen reads the vault back from disk, as the next run would.
func (fx *fixture) reopen(t testing.TB) *vault.Vault {
	t.Helper()
	id, err := vault.LoadIdentity(fx.idPath, func() ([]byte, error) { return []byte(testPassphrase), nil })
	if err != nil {
		t.Fatal(err)
	}
	f, err := vault.Open(fx.vaultPath, id)
	if err != nil {
		t.Fatal(err)
	}
	return f.Vault
}

// driver runs a model the way the program would, synchronously: messages
// go to Update, commands run and their messages are fed back. Timer
// commands are never run (the clock is the test's); messages only the
// runtime understands (clipboard, quit) are recorded in out.
type driver struct {
	t        testing.TB
	m        Model
	out      []tea.Msg
	onResult func(lastcheck.Indexed) // sees each check result as it arrives
}

func newDriver(t testing.TB, m Model) *driver {
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.run(m.probe())
	return d
}

func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	nm, cmd := d.m.Update(msg)
	d.m = nm.(Model)
	d.run(cmd)
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	if msg == nil {
		return
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		for i := 0; i < v.Len(); i++ {
			d.run(v.Index(i).Interface().(tea.Cmd))
		}
		return
	}
	switch msg.(type) {
	case spinner.TickMsg:
		return // a timer: the spinner is not under test
	case checkResultMsg:
		if d.onResult != nil {
			d.onResult(msg.(checkResultMsg).res)
		}
		d.send(msg)
		return
	case probeMsg, unlockedMsg, unlockFailedMsg, createdMsg, savedMsg, checkStartedMsg,
		checkDoneMsg, auditDoneMsg, rotMsg, clipSetMsg, clipClearedMsg, tickMsg, diskLookMsg, reloadedMsg, discoverMsg:
		d.send(msg)
		return
	}
	d.out = append(d.out, msg)
}

// keys types each space-separated key: "a", "enter", "ctrl+s", or a word
// typed letter by letter when prefixed with "'".
func (d *driver) keys(ks ...string) {
	d.t.Helper()
	for _, k := range ks {
		if strings.HasPrefix(k, "'") {
			d.typeText(k[1:])
			continue
		}
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("unknown test key " + k)
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// tick advances the clock and lets the timers look at it.
func (d *driver) tick(by time.Duration, clk *clock) {
	clk.Add(by)
	d.send(tickMsg{})
}

// screen is what the user sees, without colours.
func (d *driver) screen() string { return ansi.Strip(d.m.View().Content) }

func (d *driver) wantScreen(sub ...string) {
	d.t.Helper()
	s := d.screen()
	for _, x := range sub {
		if !strings.Contains(s, x) {
			d.t.Fatalf("screen lacks %q:\n%s", x, s)
		}
	}
}

func (d *driver) notOnScreen(sub ...string) {
	d.t.Helper()
	s := d.screen()
	for _, x := range sub {
		if strings.Contains(s, x) {
			d.t.Fatalf("screen shows %q:\n%s", x, s)
		}
	}
}

// unlocked drives a fixture's model to the list.
func unlocked(t testing.TB, fx *fixture) *driver {
	t.Helper()
	d := newDriver(t, fx.model(fx.options()))
	if d.m.screen == scrUnlock && d.m.unlock.needPass {
		d.typeText(testPassphrase)
		d.keys("enter")
	}
	if d.m.screen == scrOverview { // a big vault opens on the overview
		d.keys("esc")
	}
	if d.m.screen != scrList {
		t.Fatalf("not on the list after unlock (screen %d):\n%s", d.m.screen, d.screen())
	}
	return d
}

func (d *driver) selectName(name string) {
	d.t.Helper()
	for vi, ri := range d.m.list.view {
		if d.m.list.rows[ri].name == name {
			d.m.list.cursor = vi
			return
		}
	}
	d.t.Fatalf("no row %q", name)
}

func isQuit(m tea.Msg) bool {
	_, ok := m.(tea.QuitMsg)
	return ok
}
