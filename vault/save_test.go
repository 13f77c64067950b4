package vault

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/internal/testwait"
)

// newVault creates a vault with one account in a fresh folder.
func newVault(t *testing.T) (string, *Identity, *File) {
	t.Helper()
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Vault.Add(&Account{Name: "acct", Host: "h", Username: "u", Password: "v0"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path, id, f
}

func readPassword(t *testing.T, data []byte, id *Identity) string {
	t.Helper()
	v, _, err := decode(data, id.Identities)
	if err != nil {
		t.Fatal(err)
	}
	return v.Find("acct").Password
}

func TestCreateRefusesExisting(t *testing.T) {
	path, id, _ := newVault(t)
	before := takeSnapshot(t, filepath.Dir(path))
	if _, err := Create(path, id, time.Now()); !errors.Is(err, ErrExists) {
		t.Fatalf("Create over a vault: %v; want ErrExists", err)
	}
	if d := before.diff(takeSnapshot(t, filepath.Dir(path))); len(d) > 0 {
		t.Fatalf("refused Create changed files: %v", d)
	}
}

func TestSavePermissions(t *testing.T) {
	path, _, f := newVault(t)
	// A vault someone loosened by hand is tightened by the next save, and
	// its backup does not keep the loose mode either.
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("acct").SetPassword("v1", time.Now())
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, path); m != 0o600 {
		t.Errorf("vault mode %o; want 600", m)
	}
	if m := mode(t, BackupDir(path)); m != 0o700 {
		t.Errorf("backup folder mode %o; want 700", m)
	}
	list, err := Backups(path)
	if err != nil || len(list) == 0 {
		t.Fatalf("Backups = %v, %v; want some", list, err)
	}
	for _, b := range list {
		if m := mode(t, b); m != 0o600 {
			t.Errorf("backup %s mode %o; want 600", filepath.Base(b), m)
		}
	}
	if m := mode(t, LockPath(path)); m != 0o600 {
		t.Errorf("lock file mode %o; want 600", m)
	}
}

func TestBackupsKept(t *testing.T) {
	for _, tc := range []struct {
		setting, want int
	}{{0, DefaultBackups}, {2, 2}, {7, 7}} {
		t.Run("", func(t *testing.T) {
			path, id, f := newVault(t) // one save so far: backup of "v0"'s predecessor
			f.Vault.Settings.Backups = tc.setting
			const saves = 10
			for i := 1; i <= saves; i++ {
				f.Vault.Find("acct").SetPassword("v"+itoa(i), time.Now())
				if err := f.Save(); err != nil {
					t.Fatal(err)
				}
			}
			list, err := Backups(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tc.want {
				t.Fatalf("%d backups kept; want %d", len(list), tc.want)
			}
			// Newest first, each the version before the next save.
			for i, b := range list {
				data, err := os.ReadFile(b)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := readPassword(t, data, id), "v"+itoa(saves-1-i); got != want {
					t.Errorf("backup %d holds %q; want %q", i, got, want)
				}
			}
			assertNoTemp(t, path)
		})
	}
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func assertNoTemp(t *testing.T, path string) {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPrefix+"*"))
	if len(m) > 0 {
		t.Errorf("temp files left: %v", m)
	}
}

func TestSweepStrayTemp(t *testing.T) {
	for _, open := range []struct {
		name string
		fn   func(string, *Identity) (*File, error)
	}{{"Open", Open}, {"OpenLocked", OpenLocked}} {
		t.Run(open.name, func(t *testing.T) {
			path, id, _ := newVault(t)
			dir := filepath.Dir(path)
			stray := []string{tempPrefix + "vault.age-123", tempPrefix + "vault.age-9876543"}
			keep := []string{tempPrefix + "other.age-1", "notes.txt", "vault.age-123"}
			for _, n := range append(stray, keep...) {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("age-encryption.org/v1\n-> X25519 half"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			f, err := open.fn(path, id)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			for _, n := range stray {
				if _, err := os.Stat(filepath.Join(dir, n)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("stray temp %s not swept", n)
				}
			}
			for _, n := range keep {
				if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
					t.Errorf("%s was removed; only this vault's temp files may be", n)
				}
			}
		})
	}
}

// TestChangedOnDisk: a save over a file that changed since it was read is
// refused, and what is on disk survives; a touch is no change.
func TestChangedOnDisk(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(t *testing.T, path string, id *Identity)
		conflict bool
	}{
		{"another writer saved", func(t *testing.T, path string, id *Identity) {
			g, err := Open(path, id)
			if err != nil {
				t.Fatal(err)
			}
			g.Vault.Find("acct").SetPassword("theirs", time.Now())
			if err := g.Save(); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"rewritten in place", func(t *testing.T, path string, id *Identity) {
			data := encryptTo(t, []byte(`{"version":1,"accounts":[{"name":"acct","host":"h","username":"u","password":"theirs"}]}`), id.Recipient)
			fh, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
			if err != nil {
				t.Fatal(err)
			}
			fh.Write(data)
			fh.Close()
		}, true},
		{"same size, same mtime, new content", func(t *testing.T, path string, id *Identity) {
			if runtime.GOOS != "linux" {
				t.Skip("caught by ctime, which statFile reads on Linux only")
			}
			waitForClockTick(t, path)
			fi, _ := os.Stat(path)
			data, _ := os.ReadFile(path)
			data[len(data)-1] ^= 1 // what a sync tool's partial write might do
			fh, _ := os.OpenFile(path, os.O_WRONLY, 0)
			fh.WriteAt(data[len(data)-1:], int64(len(data)-1))
			fh.Close()
			os.Chtimes(path, fi.ModTime(), fi.ModTime())
		}, true},
		{"removed", func(t *testing.T, path string, id *Identity) {
			os.Remove(path)
		}, true},
		{"touched", func(t *testing.T, path string, id *Identity) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"copied over with the same bytes", func(t *testing.T, path string, id *Identity) {
			data, _ := os.ReadFile(path)
			tmp := path + ".copy"
			os.WriteFile(tmp, data, 0o600)
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, id, f := newVault(t)
			tc.change(t, path, id)
			onDisk, _ := os.ReadFile(path)
			backups, _ := Backups(path)

			changed, _ := f.ChangedOnDisk()
			if changed != tc.conflict {
				t.Errorf("ChangedOnDisk = %v; want %v", changed, tc.conflict)
			}
			f.Vault.Find("acct").SetPassword("mine", time.Now())
			err := f.Save()
			if !tc.conflict {
				if err != nil {
					t.Fatalf("Save: %v; want no conflict", err)
				}
				g, err := Open(path, id)
				if err != nil || g.Vault.Find("acct").Password != "mine" {
					t.Fatalf("after save: %v, %+v", err, g)
				}
				return
			}
			if !errors.Is(err, ErrChangedOnDisk) {
				t.Fatalf("Save: %v; want ErrChangedOnDisk", err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "changed on disk") {
				t.Errorf("error %q should name the file and say it changed on disk", err)
			}
			now, _ := os.ReadFile(path)
			if string(now) != string(onDisk) {
				t.Error("the refused save changed the file on disk")
			}
			if after, _ := Backups(path); len(after) != len(backups) {
				t.Errorf("the refused save made a backup: %d -> %d", len(backups), len(after))
			}
			assertNoTemp(t, path)
			if f.Vault.Find("acct").Password != "mine" {
				t.Error("the refused save dropped the in-memory edit")
			}
		})
	}
}

// waitForClockTick returns once the file system stamps a new write with a
// ctime later than path's, so a change right after path was written is
// not hidden in the same timestamp tick (coarse on older kernels).
func waitForClockTick(t *testing.T, path string) {
	t.Helper()
	was, err := statFile(path)
	if err != nil {
		t.Fatal(err)
	}
	probe := path + ".tick"
	defer os.Remove(probe)
	testwait.For(t, "file system timestamps to move", func() bool {
		if err := os.WriteFile(probe, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		now, err := statFile(probe)
		return err == nil && now.ctime.After(was.ctime)
	})
}

// TestRereadAdopt is the way out of a conflict: read theirs, merge, adopt,
// save.
func TestRereadAdopt(t *testing.T) {
	path, id, f := newVault(t)
	g, _ := Open(path, id)
	g.Vault.Add(&Account{Name: "theirs", Host: "h", Username: "u"}, time.Now())
	if err := g.Save(); err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&Account{Name: "mine", Host: "h", Username: "u"}, time.Now())
	if err := f.Save(); !errors.Is(err, ErrChangedOnDisk) {
		t.Fatalf("Save: %v; want ErrChangedOnDisk", err)
	}
	merged, err := f.Reread()
	if err != nil {
		t.Fatal(err)
	}
	merged.Add(&Account{Name: "mine", Host: "h", Username: "u"}, time.Now())
	if err := f.Adopt(merged); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	h, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if h.Vault.Find("mine") == nil || h.Vault.Find("theirs") == nil {
		t.Fatalf("merge lost an account: %d accounts", len(h.Vault.Accounts))
	}
}

func TestCreatePermissions(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "data", "imapvault")
	path := filepath.Join(dir, "vault.age")
	id := plainIdentity(t, root)
	if _, err := Create(path, id, time.Now()); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		path: 0o600, LockPath(path): 0o600, dir: 0o700, filepath.Dir(dir): 0o700,
	} {
		if m := mode(t, p); m != want {
			t.Errorf("%s mode %o; want %o", p, m, want)
		}
	}
	if _, err := os.Stat(BackupDir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new vault has a backup folder already: %v", err)
	}
	assertNoTemp(t, path)
}

// TestSymlinkedVault: a vault reached through a symlink (kept in a synced
// folder, say) is saved into its file; the link stays a link.
func TestSymlinkedVault(t *testing.T) {
	real, id, _ := newVault(t)
	link := filepath.Join(t.TempDir(), "vault.age")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, open := range []func(string, *Identity) (*File, error){Open, OpenLocked} {
		f, err := open(link, id)
		if err != nil {
			t.Fatal(err)
		}
		f.Vault.Find("acct").SetPassword("via link", time.Now())
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the link was replaced: %v, %v", fi.Mode(), err)
		}
		data, _ := os.ReadFile(real)
		if got := readPassword(t, data, id); got != "via link" {
			t.Fatalf("the vault file holds %q; want the save made through the link", got)
		}
		if m, _ := filepath.Glob(filepath.Join(filepath.Dir(link), "*")); len(m) != 1 {
			t.Fatalf("files beside the link: %v; lock, temp and backups belong beside the vault", m)
		}
	}
	// The helpers a caller uses with the path it was given agree.
	if BackupDir(link) != BackupDir(real) || LockPath(link) != LockPath(real) {
		t.Errorf("BackupDir/LockPath differ between the link and the file")
	}
	if b, err := Backups(link); err != nil || len(b) == 0 {
		t.Errorf("Backups through the link = %v, %v", b, err)
	}
}
