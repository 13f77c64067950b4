package secretservice

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/godbus/dbus/v5"

	"github.com/imapvault/imapvault/agent"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

func startBus(t *testing.T, servicesDir string) string {
	return testimap.StartSessionBus(t, "", servicesDir, nil).Addr
}

// world is a vault, an agent serving it and the provider on a private bus.
type world struct {
	t       *testing.T
	addr    string
	vault   string
	key     *age.X25519Identity
	keyring *agent.Keyring
	socket  string
	svc     *Service
	log     *syncBuf
	stop    chan struct{}
	done    chan error
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) logf(format string, args ...any) {
	s.mu.Lock()
	fmt.Fprintf(&s.b, format+"\n", args...)
	s.mu.Unlock()
}

func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// Passwords the tests look for everywhere they must not be.
const (
	pwWork = "Work-Sentinel-pw-7f3a"
	pwHome = "Home-Sentinel-pw-91c2"
)

// newWorld: accounts work (with SMTP) and home, an unlocked agent, the
// provider serving.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, addr: startBus(t, ""), log: &syncBuf{}}
	w.key, _ = age.GenerateX25519Identity()
	dir := t.TempDir()
	w.vault = filepath.Join(dir, "vault.age")
	f, err := vault.Create(w.vault, w.identity(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	accts := []*vault.Account{
		{Name: "work", Host: "imap.work.example", Username: "jo@work.example", Password: pwWork,
			SMTP: &vault.Endpoint{Host: "smtp.work.example", Security: vault.STARTTLS}},
		{Name: "home", Host: "imap.home.example", Port: 143, Security: vault.STARTTLS, Username: "jo", Password: pwHome},
		{Name: "gmail", Host: "imap.gmail.com", Username: "jo@gmail.com", Auth: vault.AuthOAuth2,
			OAuth: &vault.OAuth{Provider: "google", RefreshToken: "Refresh-Sentinel-tok"}},
	}
	for _, a := range accts {
		if err := f.Vault.Add(a, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	l, err := agent.Listen(filepath.Join(dir, "run", "imapvault"))
	if err != nil {
		t.Fatal(err)
	}
	w.socket = l.Path
	w.keyring = agent.NewKeyring(nil)
	served := make(chan error, 1)
	go func() { served <- agent.Serve(w.keyring, l.UnixListener) }()
	t.Cleanup(func() { w.keyring.Stop(); <-served; l.Close() })
	w.unlock()
	w.svc = w.serve(false)
	t.Cleanup(func() {
		if strings.Contains(w.log.String(), "Sentinel") {
			t.Errorf("the provider's log holds a secret:\n%s", w.log.String())
		}
	})
	return w
}

func (w *world) identity() *vault.Identity {
	return &vault.Identity{Identities: []age.Identity{w.key}, Recipient: w.key.Recipient().String()}
}

func (w *world) unlock() {
	w.t.Helper()
	err := w.keyring.Unlock(agent.UnlockRequest{Keys: []string{w.key.String()}, IdentityPath: "/id", TTL: time.Hour, Max: time.Hour})
	if err != nil {
		w.t.Fatal(err)
	}
}

// serve starts a provider on its own connection and claims the name.
func (w *world) serve(replace bool) *Service {
	w.t.Helper()
	conn := w.connect()
	svc, err := New(conn, &Agent{Socket: w.socket, Vault: w.vault}, w.log.logf)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := svc.Claim(replace); err != nil {
		w.t.Fatal(err)
	}
	w.stop, w.done = make(chan struct{}), make(chan error, 1)
	stop, done := w.stop, w.done
	go func() { done <- svc.Serve(stop) }()
	w.t.Cleanup(func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		<-done
	})
	return svc
}

func (w *world) connect() *dbus.Conn {
	w.t.Helper()
	conn, err := dbus.Connect(w.addr)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { conn.Close() })
	return conn
}

// secretTool runs libsecret's secret-tool against the private bus, bounded
// so a provider that hangs fails the test instead of stalling it.
func (w *world) secretTool(stdin string, args ...string) (stdout, stderr string, code int) {
	w.t.Helper()
	bin := testimap.LookBin(w.t, "secret-tool", "libsecret-tools")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+w.addr)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		w.t.Fatalf("secret-tool %v hung (killed after 60s)", args)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// edit changes the vault as imapvault edit/rotate would: under its lock.
func (w *world) edit(change func(v *vault.Vault)) {
	w.t.Helper()
	f, err := vault.OpenLocked(w.vault, w.identity())
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	change(f.Vault)
	if err := f.Save(); err != nil {
		w.t.Fatal(err)
	}
}
