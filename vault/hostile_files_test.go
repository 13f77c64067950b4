package vault

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// victimFile is a file outside the vault's folder that a planted link
// points at; every test checks it is left exactly as it was.
func victimFile(t *testing.T) (string, func()) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "precious.txt")
	const body = "someone's precious file\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, func() {
		t.Helper()
		got, err := os.ReadFile(p)
		if err != nil || string(got) != body {
			t.Errorf("the link's target was touched: %q, %v", got, err)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o644 {
			t.Errorf("the link's target mode changed to %v", fi.Mode())
		}
	}
}

func TestSymlinkedLockIsNeverFollowed(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, _ := teamVault(t)
	for _, kind := range []string{"symlink", "hardlink"} {
		t.Run(kind, func(t *testing.T) {
			victim, intact := victimFile(t)
			lp := LockPath(path)
			os.Remove(lp)
			if kind == "symlink" {
				os.Symlink(victim, lp)
			} else if err := os.Link(victim, lp); err != nil {
				t.Skipf("hard link across folders: %v", err) // t.TempDir()s share a file system here
			}
			defer os.Remove(lp)
			if _, err := OpenLocked(path, id); !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), lp) {
				t.Errorf("OpenLocked with a %s lock: %v, want ErrUnsafePath naming it", kind, err)
			}
			f, err := Open(path, id) // a read still works; it takes no lock it can't have
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := f.Save(); !errors.Is(err, ErrUnsafePath) {
				t.Errorf("Save with a %s lock: %v, want ErrUnsafePath", kind, err)
			}
			if _, err := AcquireLock(path); !errors.Is(err, ErrUnsafePath) {
				t.Errorf("AcquireLock: %v", err)
			}
			intact()
		})
	}
}

func TestSymlinkedTempFilesAreNotFollowed(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, _ := teamVault(t)
	victim, intact := victimFile(t)
	planted := filepath.Join(filepath.Dir(path), tempPrefix+filepath.Base(path)+"-123456")
	if err := os.Symlink(victim, planted); err != nil {
		t.Fatal(err)
	}
	f, err := OpenLocked(path, id) // sweeps stray temp files
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	intact()
	if _, err := os.Lstat(planted); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the planted link was not swept: %v", err)
	}
}

func TestBackupsFolderLinkAndForeignNames(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, _ := teamVault(t)
	bdir := BackupDir(path)

	// A symlinked backups folder: refused, nothing in its target touched.
	elsewhere := t.TempDir()
	mine := []string{"vault.age.notes", "vault.age.20240101T000000.000000000Z", "other.txt"}
	for _, n := range mine {
		os.WriteFile(filepath.Join(elsewhere, n), []byte(n), 0o600)
	}
	os.RemoveAll(bdir)
	if err := os.Symlink(elsewhere, bdir); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, elsewhere)
	f, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Settings.Backups = 1
	if err := f.Save(); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("Save with a symlinked backups folder: %v, want ErrUnsafePath", err)
	}
	if _, err := Backups(path); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("Backups of a symlinked folder: %v", err)
	}
	if d := before.diff(takeSnapshot(t, elsewhere)); len(d) > 0 {
		t.Errorf("files behind the link changed: %v", d)
	}

	// A real folder with names that are not exactly ours: pruning to one
	// backup keeps them all.
	os.Remove(bdir)
	os.Mkdir(bdir, 0o700)
	foreign := []string{"vault.age.keep-me", "vault.age.20240101T000000.000000000Z.bak", "vault.age.2024"}
	for _, n := range foreign {
		os.WriteFile(filepath.Join(bdir, n), []byte(n), 0o600)
	}
	victim, intact := victimFile(t)
	os.Symlink(victim, filepath.Join(bdir, "vault.age.20200101T000000.000000000Z")) // a link with our name
	for range 4 {
		f, err = Open(path, id)
		if err != nil {
			t.Fatal(err)
		}
		f.Vault.Settings.Backups = 1
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range foreign {
		if _, err := os.Stat(filepath.Join(bdir, n)); err != nil {
			t.Errorf("pruning removed %s, which is not a backup: %v", n, err)
		}
	}
	intact()
	if list, _ := Backups(path); len(list) != 1 {
		t.Errorf("backups kept: %v, want 1", list)
	}
}

func TestSharedFolderRefused(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	path, id, _ := teamVault(t)
	dir := filepath.Dir(path)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	before := takeSnapshot(t, dir)
	for name, open := range map[string]func(string, *Identity) (*File, error){"Open": Open, "OpenLocked": OpenLocked} {
		_, err := open(path, id)
		var se *SharedFolderError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s in a 0777 folder: %v, want SharedFolderError naming it", name, err)
		}
	}
	if _, err := Create(filepath.Join(dir, "new.age"), id, mt0); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("Create in a 0777 folder: %v", err)
	}
	if d := before.diff(takeSnapshot(t, dir)); len(d) > 0 {
		t.Errorf("the refusal changed files: %v", d)
	}

	// Sticky (like /tmp) with the vault ours: others can't replace it.
	os.Chmod(dir, 0o777|os.ModeSticky)
	if _, err := Open(path, id); err != nil {
		t.Errorf("sticky folder, own vault: %v", err)
	}
	// A vault file others can write is refused even there.
	os.Chmod(path, 0o666)
	if _, err := Open(path, id); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("0666 vault file: %v", err)
	}
	os.Chmod(path, 0o600)

	// The explicit override.
	os.Chmod(dir, 0o777)
	AllowSharedFolder = true
	defer func() { AllowSharedFolder = false }()
	f, err := OpenLocked(path, id)
	if err != nil {
		t.Fatalf("with the override: %v", err)
	}
	f.Close()
}
