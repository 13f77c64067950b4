//go:build unix

package vault

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// AllowSharedFolder lets a vault live in a folder (or be a file) that
// other users can write, which checkFolder otherwise refuses, like ssh's
// StrictModes. The command line sets it from --allow-shared-folder; the
// environment variable IMAPVAULT_ALLOW_SHARED_FOLDER=1 sets it for every
// program that opens vaults (the TUI, the agent).
var AllowSharedFolder = os.Getenv("IMAPVAULT_ALLOW_SHARED_FOLDER") == "1"

// checkFolder refuses a vault whose folder or file others can write: they
// could replace the vault, plant a symlink for the lock, or fill the
// backups folder. A sticky folder (like /tmp) is fine when we own the
// vault file, since others there cannot rename or remove it.
func checkFolder(path string) error {
	if AllowSharedFolder {
		return nil
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return err
	}
	uid := os.Getuid()
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		if fi.Mode().Perm()&0o022 != 0 {
			return sharedErr(fmt.Sprintf("the vault file %s is writable by others (mode %04o)", path, fi.Mode().Perm()))
		}
		if di.Mode().Perm()&0o022 != 0 && di.Mode()&os.ModeSticky != 0 && ownedBy(fi, uid) {
			return nil
		}
	}
	if di.Mode().Perm()&0o022 != 0 {
		return sharedErr(fmt.Sprintf("the vault's folder %s is writable by others (mode %04o)", dir, di.Mode().Perm()))
	}
	return nil
}

func ownedBy(fi os.FileInfo, uid int) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == uid
}

// SharedFolderError is a vault in a place others can write.
type SharedFolderError struct{ Reason string }

func (e *SharedFolderError) Error() string {
	return e.Reason + ": anyone who can write there could replace the vault or its lock"
}

func (e *SharedFolderError) Unwrap() error { return ErrUnsafePath }

func sharedErr(reason string) error { return &SharedFolderError{Reason: reason} }
