package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// known_vaults is imapvault's known_hosts: for each vault path, the ID of
// the vault key it last authenticated under and the recipients this user
// has already seen. It lives outside the vault's folder (whoever can write
// there must not be able to rewrite what we remember) and holds no secret:
// key IDs are one-way, recipients are public keys.

// KnownVaultsFile is where this user's known vaults are remembered:
// $XDG_STATE_HOME/imapvault/known_vaults (default ~/.local/state/...).
func KnownVaultsFile() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if (dir == "" || !filepath.IsAbs(dir)) && testing.Testing() {
		// A test binary that did not choose a state folder never
		// writes into the real one: it remembers in memory.
		return ""
	}
	if dir == "" || !filepath.IsAbs(dir) {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "imapvault", "known_vaults")
}

// memKnown is the in-memory known_vaults of a test binary that set no
// XDG_STATE_HOME (KnownVaultsFile returns "").
var memKnown struct {
	sync.Mutex
	kf knownFile
}

// knownVault is one entry. KeyID is empty for a vault that had no key
// when first seen (it is then trusted on first use once it gets one).
type knownVault struct {
	KeyID      string    `json:"key_id,omitempty"`
	Recipients []string  `json:"recipients"`
	Seen       time.Time `json:"seen"`
	// Generation is the highest Vault.Generation this machine opened or
	// wrote, since GenerationAt: an older copy is refused (rollback.go).
	Generation   int64     `json:"generation,omitempty"`
	GenerationAt time.Time `json:"generation_at,omitzero"`
}

type knownFile struct {
	Version int                    `json:"version"`
	Vaults  map[string]*knownVault `json:"vaults"`
}

// maxKnownSize bounds what is read of the state file.
const maxKnownSize = 16 << 20

func readKnown(path string) (*knownFile, error) {
	kf := &knownFile{Version: 1, Vaults: map[string]*knownVault{}}
	f, err := openNoFollow(path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return kf, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKnownSize))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, kf); err != nil {
		return nil, fmt.Errorf("read %s: not a known_vaults file: %w", path, err)
	}
	if kf.Vaults == nil {
		kf.Vaults = map[string]*knownVault{}
	}
	return kf, nil
}

// knownKey is how known_vaults names a vault: its absolute path, so that
// "vault.age" run from two folders is two vaults, not one whose key seems
// to change.
func knownKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// lookupKnown returns the entry for the vault at path, nil when unknown.
func lookupKnown(path string) (*knownVault, error) {
	path = knownKey(path)
	if KnownVaultsFile() == "" {
		memKnown.Lock()
		defer memKnown.Unlock()
		if e := memKnown.kf.Vaults[path]; e != nil {
			c := *e
			c.Recipients = slices.Clone(e.Recipients)
			return &c, nil
		}
		return nil, nil
	}
	kf, err := readKnown(KnownVaultsFile())
	if err != nil {
		return nil, err
	}
	return kf.Vaults[path], nil
}

// remember records that the vault at path is keyed by keyID, that its
// user has seen recipients, and that this machine has opened or written its
// generation gen (kept when lower than the one recorded), under the state
// file's own lock.
func remember(path, keyID string, recipients []string, gen int64) error {
	return editKnown(path, func(e *knownVault) {
		e.KeyID = keyID
		for _, r := range recipients {
			if !slices.Contains(e.Recipients, r) {
				e.Recipients = append(e.Recipients, r)
			}
		}
		e.Seen = time.Now().UTC().Truncate(time.Second)
		raiseGeneration(e, gen) // rollback.go
	})
}

// editKnown changes (or adds) the entry for path in known_vaults.
func editKnown(path string, edit func(e *knownVault)) error {
	path = knownKey(path)
	file := KnownVaultsFile()
	if file == "" {
		memKnown.Lock()
		defer memKnown.Unlock()
		if memKnown.kf.Vaults == nil {
			memKnown.kf.Vaults = map[string]*knownVault{}
		}
		update(&memKnown.kf, path, edit)
		return nil
	}
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("remember vault key: %w", err)
	}
	l, err := lockFile(file+".lock", true)
	if err != nil {
		return fmt.Errorf("remember vault key: %w", err)
	}
	defer l.Release()
	kf, err := readKnown(file)
	if err != nil {
		return err
	}
	update(kf, path, edit)
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(file, append(b, '\n')); err != nil {
		return fmt.Errorf("remember vault key in %s: %w", file, err)
	}
	return nil
}

func update(kf *knownFile, path string, edit func(e *knownVault)) {
	e := kf.Vaults[path]
	if e == nil {
		e = &knownVault{}
		kf.Vaults[path] = e
	}
	edit(e)
}
