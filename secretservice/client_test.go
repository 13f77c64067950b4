package secretservice

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/imapvault/imapvault/agent/wire"
)

// client is a Go Secret Service client on its own bus connection.
type client struct {
	t    *testing.T
	conn *dbus.Conn
}

func (w *world) client() *client { return &client{w.t, w.connect()} }

func (c *client) obj(p dbus.ObjectPath) dbus.BusObject { return c.conn.Object(BusName, p) }

func (c *client) call(p dbus.ObjectPath, method string, args ...any) *dbus.Call {
	return c.obj(p).Call(method, 0, args...)
}

func (c *client) openPlain() dbus.ObjectPath {
	c.t.Helper()
	var out dbus.Variant
	var sess dbus.ObjectPath
	if err := c.call(servicePath, ifaceService+".OpenSession", AlgPlain, dbus.MakeVariant("")).Store(&out, &sess); err != nil {
		c.t.Fatal(err)
	}
	return sess
}

func (c *client) search(q map[string]string) (unlocked, locked []dbus.ObjectPath) {
	c.t.Helper()
	if err := c.call(servicePath, ifaceService+".SearchItems", q).Store(&unlocked, &locked); err != nil {
		c.t.Fatal(err)
	}
	return unlocked, locked
}

func dbusName(err error) string {
	var e dbus.Error
	if errors.As(err, &e) {
		return e.Name
	}
	if pe, ok := err.(*dbus.Error); ok {
		return pe.Name
	}
	return ""
}

// The plain transfer, and the objects a client walks: service, alias,
// collection, item, their properties.
func TestGoClientPlain(t *testing.T) {
	w := newWorld(t)
	c := w.client()
	sess := c.openPlain()
	unlocked, locked := c.search(map[string]string{"account": "home"})
	if len(unlocked) != 1 || len(locked) != 0 {
		t.Fatalf("search = %v, %v", unlocked, locked)
	}
	var secrets map[dbus.ObjectPath]secret
	if err := c.call(servicePath, ifaceService+".GetSecrets", unlocked, sess).Store(&secrets); err != nil {
		t.Fatal(err)
	}
	if s := secrets[unlocked[0]]; string(s.Value) != pwHome || len(s.Parameters) != 0 || s.ContentType != "text/plain" || s.Session != sess {
		t.Fatalf("GetSecrets = %+v", secrets)
	}
	var one secret
	if err := c.call(unlocked[0], ifaceItem+".GetSecret", sess).Store(&one); err != nil || string(one.Value) != pwHome {
		t.Fatalf("Item.GetSecret = %q, %v", one.Value, err)
	}

	var alias dbus.ObjectPath
	if err := c.call(servicePath, ifaceService+".ReadAlias", "default").Store(&alias); err != nil || alias != collectionPath {
		t.Fatalf("ReadAlias(default) = %v, %v", alias, err)
	}
	label, err := c.obj(aliasPath).GetProperty(ifaceCollection + ".Label")
	if err != nil || label.Value() != "imapvault" {
		t.Fatalf("collection label via the alias = %v, %v", label, err)
	}
	items, _ := c.obj(collectionPath).GetProperty(ifaceCollection + ".Items")
	if n := len(items.Value().([]dbus.ObjectPath)); n != 3 { // work, work smtp, home; not the OAuth2 one
		t.Fatalf("collection items = %v", items)
	}
	var found []dbus.ObjectPath
	if err := c.call(collectionPath, ifaceCollection+".SearchItems", map[string]string{"service": "smtp"}).Store(&found); err != nil || len(found) != 1 {
		t.Fatalf("Collection.SearchItems(service=smtp) = %v, %v", found, err)
	}
	attrs, err := c.obj(found[0]).GetProperty(ifaceItem + ".Attributes")
	if a, _ := attrs.Value().(map[string]string); err != nil || a["host"] != "smtp.work.example" || a["user"] != "jo@work.example" || a["port"] != "587" {
		t.Fatalf("smtp item attributes = %v, %v", attrs, err)
	}
	lockedProp, _ := c.obj(found[0]).GetProperty(ifaceItem + ".Locked")
	if lockedProp.Value() != false {
		t.Fatalf("Locked = %v while the agent is unlocked", lockedProp)
	}
	if err := c.obj(found[0]).SetProperty(ifaceItem+".Label", dbus.MakeVariant("mine")); dbusName(err) != errNotSupported {
		t.Fatalf("Set Label: %v, want refused", err)
	}
	var xml string
	if err := c.call(collectionPath, ifaceIntrospect+".Introspect").Store(&xml); err != nil || !strings.Contains(xml, ifaceCollection) || !strings.Contains(xml, `<node name="`) {
		t.Fatalf("Introspect = %q, %v", xml, err)
	}

	// A session is its opener's alone.
	other := w.client()
	if err := other.call(servicePath, ifaceService+".GetSecrets", unlocked, sess).Store(&secrets); dbusName(err) != errNoSession {
		t.Fatalf("another client using the session: %v", err)
	}
	if err := c.call(sess, ifaceSession+".Close").Err; err != nil {
		t.Fatal(err)
	}
	if err := c.call(servicePath, ifaceService+".GetSecrets", unlocked, sess).Store(&secrets); dbusName(err) != errNoSession {
		t.Fatalf("a closed session: %v", err)
	}
}

// The dh transfer from the client's side, written from the spec: our key
// pair, the service's public key, HKDF to the AES key, decrypt.
func TestGoClientDH(t *testing.T) {
	w := newWorld(t)
	c := w.client()
	x, _ := rand.Int(rand.Reader, modpPrime)
	pub := new(big.Int).Exp(big.NewInt(2), x, modpPrime).Bytes() // unpadded, as libsecret sends it
	var out dbus.Variant
	var sess dbus.ObjectPath
	if err := c.call(servicePath, ifaceService+".OpenSession", AlgDH, dbus.MakeVariant(pub)).Store(&out, &sess); err != nil {
		t.Fatal(err)
	}
	server, ok := out.Value().([]byte)
	if !ok || len(server) != 128 {
		t.Fatalf("OpenSession output = %v", out)
	}
	shared := new(big.Int).Exp(new(big.Int).SetBytes(server), x, modpPrime).FillBytes(make([]byte, 128))
	key, _ := hkdf.Key(sha256.New, shared, nil, "", 16)
	unlocked, _ := c.search(map[string]string{"account": "work", "service": "imap"})
	var secrets map[dbus.ObjectPath]secret
	if err := c.call(servicePath, ifaceService+".GetSecrets", unlocked, sess).Store(&secrets); err != nil {
		t.Fatal(err)
	}
	s := secrets[unlocked[0]]
	if string(s.Value) == pwWork || len(s.Parameters) != aes.BlockSize {
		t.Fatalf("the dh secret is not encrypted: %d bytes of parameters", len(s.Parameters))
	}
	plain := make([]byte, len(s.Value))
	cipher.NewCBCDecrypter(mustAES(t, key), s.Parameters).CryptBlocks(plain, s.Value)
	if pad := int(plain[len(plain)-1]); pad < 1 || pad > 16 || string(plain[:len(plain)-pad]) != pwWork {
		t.Fatal("the decrypted secret is not the password")
	}

	for _, bad := range [][]byte{{1}, {0}, modpPrime.Bytes(), make([]byte, 2000)} {
		if err := c.call(servicePath, ifaceService+".OpenSession", AlgDH, dbus.MakeVariant(bad)).Store(&out, &sess); dbusName(err) != errInvalidArgs {
			t.Errorf("OpenSession with a bad key (%d bytes): %v", len(bad), err)
		}
	}
	if err := c.call(servicePath, ifaceService+".OpenSession", "rot13", dbus.MakeVariant("")).Store(&out, &sess); dbusName(err) != errNotSupported {
		t.Errorf("OpenSession with an unknown algorithm: %v", err)
	}
}

func mustAES(t *testing.T, key []byte) cipher.Block {
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// What one client can make the service hold, or do in one request, is
// bounded; a client that leaves has its sessions closed.
func TestLimits(t *testing.T) {
	w := newWorld(t)
	c := w.client()
	var sess dbus.ObjectPath
	for range maxSessionsPerPeer {
		sess = c.openPlain()
	}
	var out dbus.Variant
	var extra dbus.ObjectPath
	if err := c.call(servicePath, ifaceService+".OpenSession", AlgPlain, dbus.MakeVariant("")).Store(&out, &extra); dbusName(err) != errLimitsExceeded {
		t.Fatalf("session %d: %v, want LimitsExceeded", maxSessionsPerPeer+1, err)
	}
	big := map[string]string{}
	for i := range maxAttributes + 1 {
		big[string(rune('a'+i%26))+string(rune('a'+i/26))] = "x"
	}
	var u, l []dbus.ObjectPath
	if err := c.call(servicePath, ifaceService+".SearchItems", big).Store(&u, &l); dbusName(err) != errLimitsExceeded {
		t.Fatalf("a search of %d attributes: %v", len(big), err)
	}
	huge := map[string]string{"account": strings.Repeat("a", 64<<10)}
	if err := c.call(servicePath, ifaceService+".SearchItems", huge).Store(&u, &l); dbusName(err) != errLimitsExceeded {
		t.Fatalf("a 64 KiB attribute: %v", err)
	}
	many := make([]dbus.ObjectPath, maxItemsPerGet+1)
	for i := range many {
		many[i] = collectionPath + "/x"
	}
	var secrets map[dbus.ObjectPath]secret
	if err := c.call(servicePath, ifaceService+".GetSecrets", many, sess).Store(&secrets); dbusName(err) != errLimitsExceeded {
		t.Fatalf("GetSecrets of %d items: %v", len(many), err)
	}

	if w.svc.sess.count() != maxSessionsPerPeer {
		t.Fatalf("%d sessions open", w.svc.sess.count())
	}
	c.conn.Close()
	deadline := time.Now().Add(60 * time.Second)
	for w.svc.sess.count() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the sessions of a client that left are still open (%d)", w.svc.sess.count())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// peakSource counts the agent requests in flight at once.
type peakSource struct {
	Source
	now, peak atomic.Int32
	gate      chan struct{}
}

func (p *peakSource) Accounts() ([]wire.AccountInfo, error) {
	n := p.now.Add(1)
	defer p.now.Add(-1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	<-p.gate
	return p.Source.Accounts()
}

// A flood of requests never has more than maxConcurrent agent requests in
// flight; the rest wait a while, then are told to come back.
func TestFloodIsBounded(t *testing.T) {
	w := newWorld(t)
	src := &peakSource{Source: &Agent{Socket: w.socket, Vault: w.vault}, gate: make(chan struct{})}
	conn := w.connect()
	svc, err := New(conn, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	name := conn.Names()[0]
	c := w.client()
	const n = 40
	var wg sync.WaitGroup
	var ok, limited atomic.Int32
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var u, l []dbus.ObjectPath
			err := c.conn.Object(name, servicePath).Call(ifaceService+".SearchItems", 0, map[string]string{"account": "work"}).Store(&u, &l)
			switch {
			case err == nil:
				ok.Add(1)
			case dbusName(err) == errLimitsExceeded:
				limited.Add(1)
			default:
				t.Errorf("search: %v", err)
			}
		}()
	}
	// Hold the first ones until the rest have been turned away.
	deadline := time.Now().Add(60 * time.Second)
	for limited.Load() < n-maxConcurrent && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	close(src.gate)
	wg.Wait()
	if p := src.peak.Load(); p > maxConcurrent {
		t.Fatalf("%d agent requests at once, want at most %d", p, maxConcurrent)
	}
	if ok.Load() != maxConcurrent || limited.Load() != n-maxConcurrent {
		t.Fatalf("%d answered, %d limited; want %d and %d", ok.Load(), limited.Load(), maxConcurrent, n-maxConcurrent)
	}
	_ = svc
}

// A second provider is told the name is taken; with replace it takes it,
// and the first stops.
func TestNameTaken(t *testing.T) {
	w := newWorld(t)
	first := w.done
	conn := w.connect()
	svc, err := New(conn, &Agent{Socket: w.socket, Vault: w.vault}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var taken *NameTakenError
	if err := svc.Claim(false); !errors.As(err, &taken) || taken.Owner == "" {
		t.Fatalf("Claim while owned: %v", err)
	}
	if err := svc.Claim(true); err != nil {
		t.Fatalf("Claim with replace: %v", err)
	}
	select {
	case err := <-first:
		if !errors.Is(err, ErrReplaced) {
			t.Fatalf("the first provider stopped with %v", err)
		}
		first <- err // for its cleanup
	case <-time.After(60 * time.Second):
		t.Fatal("the replaced provider did not stop")
	}
}
