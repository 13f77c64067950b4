//go:build unix

package rotate

import (
	"bufio"
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/imapvault/imapvault/imapcheck"
	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/internal/testwait"
	"github.com/imapvault/imapvault/vault"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

const (
	testUser    = "rotor"
	accountName = "work"
)

// server is a real IMAP server a rotation talks to, and the way a hook's
// change reaches it.
type server struct {
	kind     string
	host     string
	port     int
	tls      *tls.Config
	setPw    func(pw string) error
	excludes string // characters its password store cannot hold
}

func startServer(t testing.TB, kind string) *server {
	t.Helper()
	switch kind {
	case "inproc":
		s := testimap.Start(t, testimap.Options{Users: map[string]string{testUser: oldSentinel}})
		return &server{kind: kind, host: s.Host(), port: s.Port(), tls: &tls.Config{RootCAs: s.RootCAs()},
			setPw: func(pw string) error { s.SetPassword(testUser, pw); return nil }}
	case "dovecot":
		d := testimap.StartDovecot(t, map[string]string{testUser: oldSentinel})
		return &server{kind: kind, host: d.Host(), port: d.ImplicitPort(), tls: &tls.Config{RootCAs: d.RootCAs()},
			setPw:    func(pw string) error { return d.SetPassword(testUser, pw) },
			excludes: ":"} // the passwd-file field separator
	}
	t.Fatalf("unknown server kind %q", kind)
	return nil
}

// take is a relay handler that sets each password the hook passes on at
// the server, and reports a failure to (Dovecot's SetPassword returns once
// a login with it works).
func (s *server) take(t testing.TB) func(pw string) {
	return func(pw string) {
		if err := s.setPw(pw); err != nil {
			t.Errorf("the server did not take the hook's password: %v", err)
		}
	}
}

// login tries one password against the server for real.
func (s *server) login(t *testing.T, pw string) imapcheck.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testwait.Patience)
	defer cancel()
	return imapcheck.Check(ctx, imapcheck.Target{Host: s.host, Port: s.port, Security: imapcheck.TLS,
		Username: testUser, Password: pw, TLSConfig: s.tls})
}

// testVault creates a vault with one account on srv whose password is
// oldSentinel. The identity is a plain age key in the test directory.
func testVault(t testing.TB, srv *server) (f *vault.File, path string, id *vault.Identity) {
	t.Helper()
	dir := t.TempDir()
	k, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idPath := filepath.Join(dir, "identity.txt")
	if err := os.WriteFile(idPath, []byte(k.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if id, err = vault.LoadIdentity(idPath, nil); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "vault.age")
	if f, err = vault.Create(path, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := &vault.Account{Name: accountName, Host: srv.host, Port: srv.port, Security: vault.TLS,
		Username: testUser, Password: oldSentinel, Changed: time.Now().Add(-400 * 24 * time.Hour)}
	if srv.excludes != "" {
		a.Policy = &vault.PasswordPolicy{Exclude: srv.excludes}
	}
	if err := f.Vault.Add(a, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return f, path, id
}

func reopen(t *testing.T, path string, id *vault.Identity) *vault.Account {
	t.Helper()
	f, err := vault.Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	a := f.Vault.Find(accountName)
	if a == nil {
		t.Fatal("account gone after reopening")
	}
	return a
}

// relay is a named pipe through which a test hook hands the new password
// to the test, which sets it on the server: nothing lands on disk. Each
// line read is passed to handle; received counts them.
type relay struct {
	path     string
	mu       sync.Mutex
	received []string
	got      chan string
}

func newRelay(t testing.TB, handle func(pw string)) *relay {
	t.Helper()
	r := &relay{path: filepath.Join(t.TempDir(), "relay"), got: make(chan string, 16)}
	if err := syscall.Mkfifo(r.path, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for {
			fh, err := os.Open(r.path) // blocks until a hook opens it to write
			if err != nil {
				return
			}
			sc := bufio.NewScanner(fh)
			for sc.Scan() {
				pw := sc.Text()
				select {
				case <-done:
					fh.Close()
					return
				default:
				}
				r.mu.Lock()
				r.received = append(r.received, pw)
				r.mu.Unlock()
				if handle != nil {
					handle(pw)
				}
				select {
				case r.got <- pw:
				default: // nobody is waiting for news
				}
			}
			fh.Close()
		}
	}()
	t.Cleanup(func() {
		close(done)
		// Unblock a reader waiting in open; it sees done and returns.
		if w, err := os.OpenFile(r.path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Write([]byte("\n"))
			w.Close()
		}
	})
	return r
}

// hook is a shell command that passes the new password to the relay.
func (r *relay) hook() string {
	return `read -r old; read -r new; printf '%s\n' "$new" > ` + shellQuote(r.path)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// events collects progress events.
type events struct {
	mu   sync.Mutex
	list []Event
}

func (e *events) add(ev Event) { e.mu.Lock(); e.list = append(e.list, ev); e.mu.Unlock() }

func (e *events) text() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var b strings.Builder
	for _, ev := range e.list {
		b.WriteString(ev.Account + " " + string(ev.Step) + " " + ev.Message + " " + ev.Output + "\n")
		if ev.Result != nil {
			b.WriteString(ev.Result.Message + ev.Result.Alert + ev.Result.Greeting + "\n")
		}
	}
	return b.String()
}

func (e *events) has(s Step) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ev := range e.list {
		if ev.Step == s {
			return true
		}
	}
	return false
}

// all is every password the relay has passed on.
func (r *relay) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.received...)
}
