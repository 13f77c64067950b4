package vault

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// BackupDir is where the encrypted backups of the vault at path are kept.
// A symlinked vault's backups are beside its file, as Save keeps them.
func BackupDir(path string) string {
	path = realPath(path)
	return filepath.Join(filepath.Dir(path), filepath.Base(path)+".backups")
}

// Backups lists the backup files of the vault at path, newest first.
func Backups(path string) ([]string, error) {
	dir := BackupDir(path)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	prefix := filepath.Base(realPath(path)) + "."
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) && !e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
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
	dir := BackupDir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	name := filepath.Join(dir, filepath.Base(path)+"."+time.Now().UTC().Format("20060102T150405.000000000Z"))
	if err := os.Link(path, name); err != nil {
		if err := copyFile(path, name); err != nil {
			return err
		}
	}
	// The link shares the vault's inode, so a vault loosened by hand
	// would leave a loose backup; the rename that follows replaces the
	// vault anyway.
	if err := os.Chmod(name, 0o600); err != nil {
		return err
	}
	list, err := Backups(path)
	if err != nil {
		return err
	}
	for _, old := range list[min(keep, len(list)):] {
		os.Remove(old)
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
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
