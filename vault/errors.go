package vault

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound        = errors.New("vault not found")
	ErrCorrupt         = errors.New("vault is corrupt")
	ErrWrongPassphrase = errors.New("wrong passphrase")
	ErrNoIdentity      = errors.New("identity cannot open this vault")
	ErrChangedOnDisk   = errors.New("vault changed on disk since it was opened")
	ErrLocked          = errors.New("vault is locked")
	ErrExists          = errors.New("vault already exists")
	ErrDuplicateName   = errors.New("an account with this name already exists")
	ErrInvalidAccount  = errors.New("invalid account")
)

// VersionError is returned for a payload written by a newer imapvault.
type VersionError struct{ Version int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("vault format version %d is newer than this imapvault understands (%d); upgrade imapvault to open it", e.Version, FormatVersion)
}

// LockedError names the process that holds the vault's lock.
type LockedError struct {
	Path string
	PID  int // 0 when unknown
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("vault %s is locked by pid %d", e.Path, e.PID)
	}
	return fmt.Sprintf("vault %s is locked by another process", e.Path)
}

func (e *LockedError) Unwrap() error { return ErrLocked }
