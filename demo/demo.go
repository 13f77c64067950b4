// Package demo builds a throwaway world for `imapvault demo`: a vault in a
// temp folder and in-process IMAP servers on 127.0.0.1 whose certificates
// come from a CA only the demo trusts. It never reads or writes the user's
// own vault, and Close removes everything it made.
package demo

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/internal/testimap"
	"github.com/imapvault/imapvault/vault"
)

// Demo is a running demo world.
type Demo struct {
	Dir          string
	VaultPath    string
	IdentityPath string
	// TLSConfig trusts the demo CA, and nothing but the system roots else.
	TLSConfig *tls.Config
	// ProviderDir holds the pipe through which rotation hooks hand a new
	// password to the demo servers, as a provider's API would.
	ProviderDir string

	servers []*testimap.Server
	byUser  map[string]*testimap.Server
	fifo    *os.File
	wg      sync.WaitGroup
}

// account is one demo account and the state it shows.
type account struct {
	name, user, password string
	server               string // key into the server table; "down" for a closed port
	security             vault.Security
	age                  time.Duration
	serverPassword       string // what the server expects, when it differs
	notes                string
}

// Start builds the demo world. Call Close when done.
func Start(now time.Time) (d *Demo, err error) {
	dir, err := os.MkdirTemp("", "imapvault-demo-")
	if err != nil {
		return nil, fmt.Errorf("demo: make temp folder: %w", err)
	}
	d = &Demo{Dir: dir, VaultPath: filepath.Join(dir, "vault.age"), IdentityPath: filepath.Join(dir, "identity.txt"),
		ProviderDir: filepath.Join(dir, "provider"), byUser: map[string]*testimap.Server{}}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if err := os.Mkdir(d.ProviderDir, 0o700); err != nil {
		return nil, err
	}
	ca, err := testimap.NewCA()
	if err != nil {
		return nil, err
	}
	d.TLSConfig = &tls.Config{RootCAs: ca.Pool}
	accts := accounts()
	servers := map[string]testimap.Options{
		"tls":      {Mode: testimap.ImplicitTLS, CA: ca},
		"starttls": {Mode: testimap.STARTTLS, CA: ca},
		"slow":     {Mode: testimap.ImplicitTLS, CA: ca, Delay: 350 * time.Millisecond},
		"expiring": {Mode: testimap.ImplicitTLS, CA: ca, Cert: testimap.CertSpec{Days: 9}},
	}
	ports := map[string]int{}
	for key, opts := range servers {
		opts.Users = map[string]string{}
		for _, a := range accts {
			if a.server == key {
				pw := a.password
				if a.serverPassword != "" {
					pw = a.serverPassword
				}
				opts.Users[a.user] = pw
			}
		}
		srv, err := testimap.New(opts)
		if err != nil {
			return nil, fmt.Errorf("demo: start %s server: %w", key, err)
		}
		d.servers = append(d.servers, srv)
		ports[key] = srv.Port()
		for u := range opts.Users {
			d.byUser[u] = srv
		}
	}
	ports["down"] = closedPort()
	if err := d.writeVault(accts, ports, now); err != nil {
		return nil, err
	}
	if err := mkfifo(d.relay()); err != nil {
		return nil, fmt.Errorf("demo: make the provider pipe: %w", err)
	}
	fifo, err := os.OpenFile(d.relay(), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("demo: open the provider pipe: %w", err)
	}
	d.fifo = fifo
	d.wg.Add(1)
	go d.watchProvider(fifo)
	return d, nil
}

func accounts() []account {
	const year = 365 * 24 * time.Hour
	return []account{
		{name: "personal", user: "me@home.test", password: "Quiet-Lantern-47-Orbit!", server: "tls", age: 40 * 24 * time.Hour, notes: "all well"},
		{name: "work", user: "me@work.test", password: "vR8#kq2LzX!m9TwPb4", server: "starttls", security: vault.STARTTLS, age: 90 * 24 * time.Hour, notes: "STARTTLS, all well"},
		{name: "old-isp", user: "me@isp.test", password: "Cobalt-Harbor-19-Mist", serverPassword: "changed-by-provider-1", server: "tls", age: 200 * 24 * time.Hour, notes: "the provider changed the password: login fails"},
		{name: "backup-mx", user: "backup@ops.test", password: "Tundra-Violet-88-Quill", server: "down", age: 30 * 24 * time.Hour, notes: "server is down"},
		{name: "slow-host", user: "me@slow.test", password: "Marble-Falcon-63-Drift", server: "slow", age: 12 * 24 * time.Hour, notes: "a slow server"},
		{name: "expiring", user: "me@cert.test", password: "Saffron-Glacier-27-Wren", server: "expiring", age: 60 * 24 * time.Hour, notes: "certificate expires in 9 days"},
		{name: "archive", user: "archive@home.test", password: "Pebble-Canyon-52-Sail", server: "tls", age: 2*year + 30*24*time.Hour, notes: "password over two years old"},
		{name: "team-a", user: "team-a@corp.test", password: "Shared-Ember-30-Fjord", server: "tls", age: 100 * 24 * time.Hour, notes: "same password as team-b"},
		{name: "team-b", user: "team-b@corp.test", password: "Shared-Ember-30-Fjord", server: "tls", age: 100 * 24 * time.Hour, notes: "same password as team-a"},
		{name: "legacy", user: "legacy@home.test", password: "summer2024", server: "tls", age: 20 * 24 * time.Hour, notes: "a weak password"},
	}
}

func (d *Demo) writeVault(accts []account, ports map[string]int, now time.Time) error {
	k, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	if err := os.WriteFile(d.IdentityPath, []byte("# imapvault demo identity\n"+k.String()+"\n"), 0o600); err != nil {
		return err
	}
	id, err := vault.LoadIdentity(d.IdentityPath, nil)
	if err != nil {
		return err
	}
	f, err := vault.Create(d.VaultPath, id, now)
	if err != nil {
		return err
	}
	for _, a := range accts {
		sec := a.security
		if sec == "" {
			sec = vault.TLS
		}
		host := "localhost"
		if a.server == "tls" {
			host = "127.0.0.1"
		}
		acct := &vault.Account{Name: a.name, Host: host, Port: ports[a.server], Security: sec, Username: a.user,
			Password: a.password, Changed: now.Add(-a.age), Created: now.Add(-a.age), Notes: a.notes,
			Hook: d.hookFor(a.user)}
		if err := f.Vault.Add(acct, now); err != nil {
			return err
		}
	}
	return f.Save()
}

// hookFor is a rotation hook that plays the provider: it passes the new
// password (the second line of its stdin) through a named pipe to the
// demo, which sets it on the server. read and printf are shell builtins and
// a pipe holds nothing on disk, so the password is in no argv and no file.
func (d *Demo) hookFor(user string) string {
	return fmt.Sprintf(`read -r old; read -r new; printf '%%s %%s\n' %s "$new" > %s`, shellQuote(user), shellQuote(d.relay()))
}

func (d *Demo) relay() string { return filepath.Join(d.ProviderDir, "relay") }

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// watchProvider applies the passwords the hooks send to the servers, as a
// provider would. The pipe is opened read-write so it never reports end of
// file between hooks; Close ends the read.
func (d *Demo) watchProvider(fifo *os.File) {
	defer d.wg.Done()
	sc := bufio.NewScanner(fifo)
	for sc.Scan() {
		user, pw, ok := strings.Cut(sc.Text(), " ")
		if srv := d.byUser[user]; ok && srv != nil && pw != "" {
			srv.SetPassword(user, pw)
		}
	}
}

// Close stops the servers and removes the temp folder.
func (d *Demo) Close() {
	if d.fifo != nil {
		d.fifo.Close()
		d.fifo = nil
	}
	d.wg.Wait()
	for _, s := range d.servers {
		s.Close()
	}
	os.RemoveAll(d.Dir)
}

func closedPort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}
