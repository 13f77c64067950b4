package vault

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
)

// File is a vault opened from disk. Save writes it back atomically and
// refuses when someone else changed the file since it was read.
type File struct {
	Path  string
	Vault *Vault

	identities []age.Identity
	loaded     stamp // what was on disk when we read or last wrote it
	lock       *Lock

	// baseData is the ciphertext last read or written (what loaded
	// stamps): Merge's base, decrypted only when a merge needs it, and what
	// a file whose stamp moved is compared with, so saves and opens pay
	// nothing for either.
	baseData []byte

	trust // what authenticates this vault (trust.go)
}

// stamp identifies one version of the file on disk.
type stamp struct {
	size  int64
	mtime time.Time
	ctime time.Time // moves on any write or chmod and can't be set back, unlike mtime
	ino   uint64
}

const tempPrefix = ".imapvault-tmp-"

// Open reads, decrypts and parses the vault at path. The whole plaintext is
// read before any of it is trusted, since age reports a truncated file only
// at the end of the stream. A vault that fails to open is never written.
func Open(path string, id *Identity) (*File, error) {
	path = realPath(path)
	if err := mustExist(path); err != nil {
		return nil, err
	}
	if err := checkFolder(path); err != nil {
		return nil, err
	}
	if l, err := AcquireLock(path); err == nil {
		sweepTemp(path)
		l.Release()
	}
	return load(path, id)
}

// realPath follows a symlinked vault (say, into a synced folder) to its
// file, so the save's rename replaces the file and not the link, and the
// lock, temp files and backups sit beside the file. A dangling link stays
// as it is.
func realPath(path string) string {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			return real
		}
	}
	return path
}

// mustExist reports a missing vault as ErrNotFound before anything (a lock
// file, say) is created beside it.
func mustExist(path string) error {
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("open vault %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("open vault %s: %w", path, err)
	}
	return nil
}

// load reads the vault at path. An open that finds its copy older than
// known_vaults says reads again while the file keeps changing: a save in
// another process renames its file in before it records its generation,
// so a copy read just before that save is not a rollback.
func load(path string, id *Identity) (*File, error) {
	for try := 0; ; try++ {
		f, st, err := loadOnce(path, id)
		var re *RollbackError
		if errors.As(err, &re) && try < 10 {
			if cur, serr := statFile(path); serr == nil && !sameVersion(cur, st) {
				continue
			}
		}
		return f, err
	}
}

// sameVersion compares what a stat tells of two versions of the file.
func sameVersion(a, b stamp) bool {
	return a.size == b.size && a.mtime.Equal(b.mtime) && a.ctime.Equal(b.ctime) && a.ino == b.ino
}

func loadOnce(path string, id *Identity) (*File, stamp, error) {
	data, st, err := readStamped(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, st, fmt.Errorf("open vault %s: %w", path, ErrNotFound)
	}
	if err != nil {
		return nil, st, fmt.Errorf("open vault %s: %w", path, err)
	}
	v, auth, err := decode(data, id.Identities)
	if err != nil {
		return nil, st, fmt.Errorf("open vault %s: %w", path, err)
	}
	f := &File{Path: path, Vault: v, identities: id.Identities, loaded: st, baseData: data}
	f.self = id.Recipient
	if err := f.admitOnOpen(auth); err != nil {
		return nil, st, fmt.Errorf("open vault %s: %w", path, err)
	}
	return f, st, nil
}

// Create writes a new vault at path encrypted to the identity's recipient.
// It refuses to replace an existing file.
func Create(path string, id *Identity, now time.Time) (*File, error) {
	path = realPath(path)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("create vault %s: %w", path, ErrExists)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create vault folder: %w", err)
	}
	if err := checkFolder(path); err != nil {
		return nil, fmt.Errorf("create vault %s: %w", path, err)
	}
	v := New()
	v.Recipients = []Recipient{{Key: id.Recipient, Label: "created with the vault", Added: now, AddedBy: whoami()}}
	f := &File{Path: path, Vault: v, identities: id.Identities}
	f.self = id.Recipient
	if err := f.save(true); err != nil {
		return nil, fmt.Errorf("create vault %s: %w", path, err)
	}
	return f, nil
}

// Save writes the vault back: refuse if the file changed on disk since it was
// read, keep a backup of what is there, then temp file -> fsync -> rename ->
// fsync the folder. It takes the lock for the write unless f already holds it.
func (f *File) Save() error {
	if err := f.save(false); err != nil {
		return fmt.Errorf("save vault %s: %w", f.Path, err)
	}
	return nil
}

func (f *File) save(create bool) error {
	if f.lock == nil {
		l, err := AcquireLock(f.Path)
		if err != nil {
			return err
		}
		defer l.Release()
	}
	// Item by item, whatever path produced this vault (an edit, a merge
	// with another process's removal): never write what we can't open.
	if err := f.canStillOpen(); err != nil {
		return err
	}
	// Encode first, so the time between the check that the file is still
	// what we read and the rename is short: a sync tool that takes no lock
	// could replace the file in between.
	out, key := f.sealed()
	data, err := encode(out, key)
	if err != nil {
		return err
	}
	cur, err := statFile(f.Path)
	switch {
	case create && err == nil:
		return ErrExists
	case !create && errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: the file was removed", ErrChangedOnDisk)
	case !create && err != nil:
		return err
	case !create && !f.unchanged(cur):
		return ErrChangedOnDisk
	}
	if !create {
		if err := backup(f.Path, f.Vault.Settings.Backups); err != nil {
			return fmt.Errorf("back up: %w", err)
		}
	}
	if err := writeAtomic(f.Path, data); err != nil {
		return err
	}
	st, err := statFile(f.Path)
	if err != nil {
		return err
	}
	f.loaded = st
	f.baseData = data
	return f.saved(out, key)
}

// unchanged compares the file now on disk with what we loaded. Size, times
// and inode settle the common case without reading the file; a touch or a
// copy of the same bytes is told apart by its bytes. (A hash of every file
// read or written cost two SHA-256 passes over 47 MB per edit at 100,000
// accounts, for a comparison that is rarely needed.)
func (f *File) unchanged(cur stamp) bool {
	if cur.size == f.loaded.size && cur.mtime.Equal(f.loaded.mtime) && cur.ctime.Equal(f.loaded.ctime) && cur.ino == f.loaded.ino {
		return true
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return false
	}
	return bytes.Equal(data, f.baseData)
}

// ChangedOnDisk reports whether the file differs from what f last read or wrote.
func (f *File) ChangedOnDisk() (bool, error) {
	cur, err := statFile(f.Path)
	if err != nil {
		return true, err
	}
	return !f.unchanged(cur), nil
}

// Reread decrypts what is on disk now without touching f, for a merge.
func (f *File) Reread() (*Vault, error) {
	data, _, err := readStamped(f.Path)
	if err != nil {
		return nil, fmt.Errorf("reread vault %s: %w", f.Path, err)
	}
	v, auth, err := decode(data, f.identities)
	if err == nil {
		err = f.admit(v, auth)
	}
	if err != nil {
		return nil, fmt.Errorf("reread vault %s: %w", f.Path, err)
	}
	return v, nil
}

// Adopt makes v (typically a merge of Reread's result and our edits) the
// vault, and what is on disk now the base the next Save compares with.
func (f *File) Adopt(v *Vault) error {
	data, st, err := readStamped(f.Path)
	if err != nil {
		return err
	}
	theirs, auth, err := decode(data, f.identities)
	if err == nil {
		err = f.admit(theirs, auth)
	}
	if err != nil {
		return fmt.Errorf("adopt vault %s: %w", f.Path, err)
	}
	f.takeKey(theirs, auth)
	v.VaultKey, v.KeyHistory = theirs.VaultKey, theirs.KeyHistory
	f.Vault = v
	f.loaded = st
	f.baseData = data // what is on disk is the next merge's base too
	return nil
}

// maxVaultSize bounds what Open reads into memory: a vault of 10,000
// accounts is under 5 MB, and a path pointing at a disk image should not
// cost gigabytes before it is refused.
const maxVaultSize = 1 << 30

func readStamped(path string) ([]byte, stamp, error) {
	st, err := statFile(path)
	if err != nil {
		return nil, stamp{}, err
	}
	if st.size > maxVaultSize {
		return nil, stamp{}, fmt.Errorf("%w: %d bytes is too large to be a vault", ErrCorrupt, st.size)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, stamp{}, err
	}
	return data, st, nil
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write temp file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync temp file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close temp file: %w", err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("replace vault: %w", err)
	}
	ok = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// sweepTemp removes temp files left by a save that was killed. The caller
// holds the lock: another process's save may be writing one right now.
func sweepTemp(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPrefix+filepath.Base(path)+"-*"))
	for _, m := range matches {
		os.Remove(m)
	}
}

func whoami() string {
	u := os.Getenv("USER")
	h, _ := os.Hostname()
	switch {
	case u != "" && h != "":
		return u + "@" + h
	case u != "":
		return u
	}
	return strings.TrimSpace(h)
}
