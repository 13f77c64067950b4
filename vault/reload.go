package vault

import (
	"errors"
	"fmt"
)

// saveMergedTries bounds SaveMerged when the file keeps changing under it.
const saveMergedTries = 5

// SaveMerged saves f; when the file changed on disk since it was loaded (a
// sync tool, git, another machine) it merges what is there now with f's
// edits (Reload) and saves the result. The conflicts are for the person to
// see and choose: ours was kept, theirs set aside as each Conflict says.
// f.Vault is replaced by the merged vault, so pointers into the old one are
// stale afterwards.
func (f *File) SaveMerged() ([]Conflict, error) {
	var all []Conflict
	for range saveMergedTries {
		err := f.Save()
		if !errors.Is(err, ErrChangedOnDisk) {
			return all, err
		}
		cs, err := f.Reload()
		if err != nil {
			return all, err
		}
		all = append(all, cs...)
	}
	return all, fmt.Errorf("save vault %s: %w: it kept changing while merging (%d tries)", f.Path, ErrChangedOnDisk, saveMergedTries)
}

// Reload merges what is on disk now into f.Vault, keeping f's unsaved
// edits, and makes the file on disk the base of the next save. The TUI
// calls it when ChangedOnDisk reports an outside change.
func (f *File) Reload() ([]Conflict, error) {
	data, st, err := readStamped(f.Path)
	if err != nil {
		return nil, fmt.Errorf("reload vault %s: %w", f.Path, err)
	}
	// Nothing of a file that does not authenticate as this vault is ever
	// merged: its recipients would be ours at the next save.
	theirs, auth, err := decode(data, f.identities)
	if err == nil {
		err = f.admit(theirs, auth)
	}
	if err != nil {
		return nil, fmt.Errorf("reload vault %s: %w", f.Path, err)
	}
	// The base opens with the same identities; if it somehow can't, a nil
	// base turns every difference into a reported conflict: nothing is lost.
	base, _, _ := decode(f.baseData, f.identities)
	merged, cs := Merge(base, f.Vault, theirs)
	merged.VaultKey, merged.KeyHistory, merged.MAC = theirs.VaultKey, theirs.KeyHistory, ""
	if err := f.noteRecipients(theirs); err != nil {
		return nil, fmt.Errorf("reload vault %s: %w", f.Path, err)
	}
	f.takeKey(theirs, auth)
	f.gen = max(f.gen, theirs.Generation)
	f.Vault, f.loaded, f.baseData = merged, st, data
	return cs, nil
}
