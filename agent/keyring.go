package agent

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/imapvault/imapvault/vault"
)

// Keyring is the agent's memory: the unlocked identity, its deadlines and
// the vaults it decrypted. It implements Agent in process; ServeConn puts
// it behind a socket.
type Keyring struct {
	now func() time.Time // injected in tests

	mu         sync.Mutex
	ids        []age.Identity
	status     Status
	unlockedAt time.Time
	lastUse    time.Time
	ttl, max   time.Duration
	vaults     map[string]*cached
	stop       chan struct{}
	stopOnce   sync.Once

	// Logf, when set, records events: never a secret, only what happened.
	Logf func(format string, args ...any)
}

// cached is one decrypted vault and the file it was read from.
type cached struct {
	stat  fileStamp
	vault *vault.Vault
}

// NewKeyring returns a locked keyring. now is its clock (nil: time.Now).
func NewKeyring(now func() time.Time) *Keyring {
	if now == nil {
		now = time.Now
	}
	return &Keyring{now: now, stop: make(chan struct{}), status: Status{PID: os.Getpid()}}
}

// SetMemoryLocked records whether the process's memory is locked, for Status.
func (k *Keyring) SetMemoryLocked(ok bool) {
	k.mu.Lock()
	k.status.MemoryLocked = ok
	k.mu.Unlock()
}

func (k *Keyring) logf(format string, args ...any) {
	if k.Logf != nil {
		k.Logf(format, args...)
	}
}

// deadline is when the identity is forgotten: the idle limit from the
// last real use, never past the hard limit from unlock.
func (k *Keyring) deadline() (t time.Time) {
	if k.ttl > 0 {
		t = k.lastUse.Add(k.ttl)
	}
	if k.max > 0 {
		if m := k.unlockedAt.Add(k.max); t.IsZero() || m.Before(t) {
			t = m
		}
	}
	return t
}

// expire forgets the identity when its time is up. Callers hold mu.
func (k *Keyring) expire() {
	if k.ids == nil {
		return
	}
	if d := k.deadline(); !d.IsZero() && !k.now().Before(d) {
		why := "idle"
		if k.max > 0 && !k.now().Before(k.unlockedAt.Add(k.max)) {
			why = "max"
		}
		k.forget()
		k.logf("locked: the %s time ran out", why)
	}
}

// Expire locks the keyring if its time is up; the server calls it on a
// ticker so an idle identity leaves memory without waiting for a request.
func (k *Keyring) Expire() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.expire()
}

// forget drops the identity and the decrypted vaults. Go strings can't be
// overwritten, so the memory is handed back and the heap collected at
// once rather than wiped byte by byte. Callers hold mu.
func (k *Keyring) forget() {
	k.ids = nil
	k.vaults = nil
	k.status = Status{PID: k.status.PID, MemoryLocked: k.status.MemoryLocked}
	runtime.GC()
	debug.FreeOSMemory()
}

// use checks the keyring is unlocked and counts a real use. Callers hold mu.
func (k *Keyring) use() error {
	k.expire()
	if k.ids == nil {
		return ErrLocked
	}
	k.lastUse = k.now()
	return nil
}

func (k *Keyring) Status() (Status, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.expire()
	s := k.status
	if k.ids != nil {
		s.Expires = k.deadline()
		s.TTL = k.ttl
		if k.max > 0 {
			s.MaxExpires = k.unlockedAt.Add(k.max)
		}
	}
	return s, nil
}

func (k *Keyring) Unlock(u UnlockRequest) error {
	if len(u.Keys) == 0 {
		return errors.New("unlock: no key given")
	}
	ids, err := age.ParseIdentities(strings.NewReader(strings.Join(u.Keys, "\n")))
	if err != nil {
		return fmt.Errorf("unlock: %w", ErrUnsupported)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.forget()
	k.ids = ids
	k.ttl, k.max = u.TTL, u.Max
	k.unlockedAt = k.now()
	k.lastUse = k.unlockedAt
	k.status.Unlocked = true
	k.status.IdentityPath = u.IdentityPath
	k.status.Recipient = recipientOf(ids[0])
	k.vaults = map[string]*cached{}
	k.logf("unlocked (idle limit %v, max %v)", u.TTL, u.Max)
	return nil
}

func recipientOf(id age.Identity) string {
	switch x := id.(type) {
	case *age.X25519Identity:
		return x.Recipient().String()
	case *age.HybridIdentity:
		return x.Recipient().String()
	}
	return ""
}

func (k *Keyring) Lock() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ids != nil {
		k.forget()
		k.logf("locked on request")
	}
	return nil
}

func (k *Keyring) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.use(); err != nil {
		return nil, err
	}
	for _, id := range k.ids {
		key, err := id.Unwrap(stanzas)
		if errors.Is(err, age.ErrIncorrectIdentity) {
			continue
		}
		return key, err
	}
	return nil, age.ErrIncorrectIdentity
}

func (k *Keyring) Get(vaultPath string, q Query) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.sameIdentity(q.Identity); err != nil {
		return "", err
	}
	v, err := k.vault(vaultPath, true)
	if err != nil {
		return "", err
	}
	return Lookup(v, q)
}

// sameIdentity refuses a caller told to use another identity file than
// the one held. Not a use: another identity's caller does not extend our
// time. Callers hold mu.
func (k *Keyring) sameIdentity(identity string) error {
	if identity != "" && k.ids != nil && !SamePath(k.status.IdentityPath, identity) {
		return fmt.Errorf("%w for %s (it holds %s)", ErrLocked, identity, k.status.IdentityPath)
	}
	return nil
}

func (k *Keyring) Names(vaultPath string) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, err := k.vault(vaultPath, true)
	if err != nil {
		return nil, err
	}
	return AccountNames(v), nil
}

func (k *Keyring) Accounts(vaultPath, identity string) ([]AccountInfo, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.sameIdentity(identity); err != nil {
		return nil, err
	}
	v, err := k.vault(vaultPath, false)
	if err != nil {
		return nil, err
	}
	return Describe(v), nil
}

// vault returns the decrypted vault at path, read again through
// vault.Open (so every check the vault package makes applies) whenever
// the file on disk is not the one last read. touch counts the request as
// a use (it extends the idle timer). Callers hold mu.
func (k *Keyring) vault(path string, touch bool) (*vault.Vault, error) {
	if touch {
		if err := k.use(); err != nil {
			return nil, err
		}
	} else if k.expire(); k.ids == nil {
		return nil, ErrLocked
	}
	st, err := statFile(path)
	if err != nil {
		delete(k.vaults, path)
		return nil, fmt.Errorf("open vault %s: %w", path, err)
	}
	if c := k.vaults[path]; c != nil && c.stat == st {
		return c.vault, nil
	}
	// The stamp is taken before the read: a save landing in between
	// makes the next request read again.
	f, err := vault.Open(path, &vault.Identity{Identities: k.ids, Recipient: k.status.Recipient})
	if err != nil {
		delete(k.vaults, path)
		return nil, err
	}
	k.vaults[path] = &cached{stat: st, vault: f.Vault}
	return f.Vault, nil
}

func (k *Keyring) Stop() error {
	k.Lock()
	k.stopOnce.Do(func() { close(k.stop) })
	return nil
}

// Stopped is closed once Stop was called.
func (k *Keyring) Stopped() <-chan struct{} { return k.stop }
