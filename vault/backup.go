package vault

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"
)

// BackupDir is where the encrypted backups of the vault at path are kept.
// A symlinked vault's backups are beside its file, as Save keeps them.
func BackupDir(path string) string {
	path = realPath(path)
	return filepath.Join(filepath.Dir(path), filepath.Base(path)+".backups")
}

// backupStamp is the time format of a backup's name: vault.age.<stamp>.
const backupStamp = "20060102T150405.000000000Z"

// backupName matches exactly the names backup gives, and nothing else a
// person or another program might keep in (or link into) the folder.
func backupName(vaultBase string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(vaultBase) + `\.\d{8}T\d{6}\.\d{9}Z$`)
}

// openBackupDir opens the backups folder as an os.Root, creating it (0700)
// if needed. A symlink there is refused, not followed: pruning a linked
// folder would delete files that are not ours. The Lstat and the opened
// folder are compared, so a swap in between is caught.
func openBackupDir(path string, create bool) (*os.Root, error) {
	dir := BackupDir(path)
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) && create {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return nil, err
	}
	if fi.Mode()&os.ModeSymlink != 0 || !fi.IsDir() {
		return nil, fmt.Errorf("%w: the backups folder %s is a symbolic link or not a folder; imapvault keeps backups only in a real folder beside the vault (remove or move it)", ErrUnsafePath, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	if got, err := root.Stat("."); err != nil || !os.SameFile(fi, got) {
		root.Close()
		return nil, fmt.Errorf("%w: the backups folder %s changed while it was opened", ErrUnsafePath, dir)
	}
	return root, nil
}

// Backups lists the backup files of the vault at path, newest first: only
// regular files named exactly as backup names them.
func Backups(path string) ([]string, error) {
	root, err := openBackupDir(path, false)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	names, err := backupNames(root, filepath.Base(realPath(path)))
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(root.Name(), n)
	}
	return out, err
}

// backupNames lists our backups in root, newest first.
func backupNames(root *os.Root, vaultBase string) ([]string, error) {
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	ents, err := d.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	re := backupName(vaultBase)
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && re.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out, nil
}

// backup keeps the current (encrypted) file before it is replaced, then
// drops all but the newest keep. A hard link costs no copy: the rename
// that follows leaves the old inode to the backup.
func backup(path string, keep int) error {
	if keep <= 0 {
		keep = DefaultBackups
	}
	root, err := openBackupDir(path, true)
	if err != nil {
		return err
	}
	defer root.Close()
	base := filepath.Base(path)
	name := base + "." + time.Now().UTC().Format(backupStamp)
	full := filepath.Join(root.Name(), name)
	if err := os.Link(path, full); err != nil {
		if err := copyFile(path, root, name); err != nil {
			return err
		}
	}
	// The link shares the vault's inode, so a vault loosened by hand
	// would leave a loose backup; the rename that follows replaces the
	// vault anyway. Through a descriptor that did not follow a link.
	bf, err := root.OpenFile(name, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return err
	}
	err = bf.Chmod(0o600)
	bf.Close()
	if err != nil {
		return err
	}
	list, err := backupNames(root, base)
	if err != nil {
		return err
	}
	for _, old := range list[min(keep, len(list)):] {
		root.Remove(old) // a name in our folder: never follows a link
	}
	return nil
}

func copyFile(src string, root *os.Root, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := root.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
