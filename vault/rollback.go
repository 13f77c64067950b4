package vault

import (
	"errors"
	"fmt"
	"time"
)

// A shared folder, a sync tool or a backup can hand back an older copy of
// the vault that still authenticates: old passwords, a removed member still
// a recipient. Vault.Generation, inside the authenticated payload, counts
// saves; known_vaults remembers the highest generation this machine has
// opened or written, and an open of a lower one is refused. A merge keeps
// the higher of the two generations, and its save counts one more.

// ErrRollback is an authentic vault file older than one this machine
// already opened (*RollbackError).
var ErrRollback = errors.New("this is an older copy of the vault")

// RollbackError says how much older.
type RollbackError struct {
	Path       string
	Generation int64     // the file's
	Known      int64     // the highest this machine opened or wrote
	OpenedAt   time.Time // when it first did
}

func (e *RollbackError) Error() string {
	when := "before"
	if !e.OpenedAt.IsZero() {
		when = "on " + e.OpenedAt.Local().Format("2006-01-02 15:04")
	}
	return fmt.Sprintf("this is an older copy than the one opened %s (its generation %d, this machine has seen %d): refusing to use it", when, e.Generation, e.Known)
}

func (e *RollbackError) Unwrap() error { return ErrRollback }

// checkGeneration refuses v when known records a newer generation.
func checkGeneration(path string, v *Vault, known *knownVault) error {
	if known == nil || v.Generation >= known.Generation {
		return nil
	}
	return &RollbackError{Path: path, Generation: v.Generation, Known: known.Generation, OpenedAt: known.GenerationAt}
}

// raiseGeneration records gen when it is newer than what e holds.
func raiseGeneration(e *knownVault, gen int64) {
	if gen > e.Generation {
		e.Generation, e.GenerationAt = gen, time.Now().UTC().Truncate(time.Second)
	}
}

// TrustRollback accepts the vault file at path although it is older than
// one opened here (a backup restored on purpose): known_vaults records its
// generation as the newest. The file must still authenticate as the vault
// known here (its key or one it was handed over from; 'trust' otherwise).
func TrustRollback(path string, id *Identity) (*RollbackError, error) {
	path = realPath(path)
	if err := mustExist(path); err != nil {
		return nil, err
	}
	if err := checkFolder(path); err != nil {
		return nil, err
	}
	data, _, err := readStamped(path)
	if err != nil {
		return nil, fmt.Errorf("trust vault %s: %w", path, err)
	}
	v, auth, err := decode(data, id.Identities)
	if err == nil {
		var known *knownVault
		if known, err = lookupKnown(path); err == nil && known != nil {
			err = admitKey(path, v, auth, known.KeyID)
		}
	}
	if err != nil {
		var ue *UntrustedError
		if errors.As(err, &ue) {
			ue.Path = path
		}
		return nil, fmt.Errorf("trust vault %s: %w", path, err)
	}
	known, _ := lookupKnown(path)
	rep := &RollbackError{Path: path, Generation: v.Generation}
	if known != nil {
		rep.Known, rep.OpenedAt = known.Generation, known.GenerationAt
	}
	err = editKnown(path, func(e *knownVault) {
		if e.KeyID == "" {
			e.KeyID = auth.id
		}
		e.Generation, e.GenerationAt = v.Generation, time.Now().UTC().Truncate(time.Second)
	})
	return rep, err
}
