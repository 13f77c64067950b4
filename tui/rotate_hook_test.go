//go:build unix

package tui

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// With a stored hook, h sets the password at the provider by running it.
func TestRotateWizardRunsStoredHook(t *testing.T) {
	srv := testimap.Start(t, testimap.Options{Users: map[string]string{"u": sentinel}})
	fifo := filepath.Join(t.TempDir(), "relay")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() { // the provider: takes the new password from the hook
		b, err := os.ReadFile(fifo)
		if err == nil {
			srv.SetPassword("u", strings.TrimSpace(string(b)))
		}
	}()
	a := &vault.Account{ID: "h1", Name: "hooked", Host: "127.0.0.1", Port: srv.Port(), Security: vault.TLS,
		Username: "u", Password: sentinel, Created: t0, Changed: t0, Modified: t0,
		Hook: `read -r old; read -r new; printf '%s\n' "$new" > '` + fifo + `'; printf 'provider: changed for %s\033[31m\n' "$IMAPVAULT_USERNAME"`}
	fx := newFixture(t, false, []*vault.Account{a})
	opts := fx.options()
	opts.TLSConfig = &tls.Config{RootCAs: srv.RootCAs()}
	d := newDriver(t, fx.model(opts))
	d.keys("r", "enter")
	d.wantScreen("run the account's stored hook")
	newPw := d.m.rot.newPw
	d.keys("h")
	if d.m.rot.step != rotDone {
		t.Fatalf("not done after the hook:\n%s", d.screen())
	}
	d.send(tea.WindowSizeMsg{Width: 160, Height: 30})
	d.wantScreen("Done.", `Set by the account's hook (it said: provider: changed for u\x1b[31m); verified in `)
	if strings.Contains(d.m.View().Content, "for u\x1b[31m") {
		t.Fatal("the hook's colour code reached the screen raw")
	}
	got := fx.reopen(t).Find("hooked")
	if got.Password != newPw || got.Pending != nil {
		t.Fatalf("after the hook: pending %v", got.Pending)
	}
}
