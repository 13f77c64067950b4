package vault

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"filippo.io/age"
)

// trust is what a File knows about the vault's authentication: the key
// its file last authenticated under (nil for a vault from before keys,
// upgraded by the next save), the recipients that could read the file
// on disk (a save rotates the key when one of them is gone), and the
// recipients someone else added that this user has not seen before.
type trust struct {
	key      []byte
	keyID    string
	history  []KeyLink // the proofs that lead to key (not f.Vault's copy, which callers may replace)
	readers  []string
	newRecip []Recipient
	firstUse bool
	self     string // the identity's own recipient, when it says
	knownGen int64  // the generation known_vaults holds for this path, as far as f knows
	// gen is the generation f last read or wrote. Callers swap f.Vault for
	// copies (the TUI saves snapshots), so its Generation may lag behind.
	gen int64
}

// NewRecipients are recipients someone else added that this user had not
// seen before, found by the last open or merge. Each is reported once:
// they are remembered as seen in the known_vaults file.
func (f *File) NewRecipients() []Recipient { return f.newRecip }

// FirstUse reports whether this vault was not known on this machine
// before it was opened: its key and recipients were trusted on first use.
func (f *File) FirstUse() bool { return f.firstUse }

// KeyID is the ID of the vault key the file authenticates under ("" for
// a vault from before keys).
func (f *File) KeyID() string { return f.keyID }

// admitOnOpen checks a freshly read vault against what known_vaults
// remembers of this path, and records what is new.
func (f *File) admitOnOpen(auth authState) error {
	known, err := lookupKnown(f.Path)
	if err != nil {
		return err
	}
	if known != nil {
		if err := admitKey(f.Path, f.Vault, auth, known.KeyID); err != nil {
			return err
		}
		if err := checkGeneration(f.Path, f.Vault, known); err != nil {
			return err
		}
	}
	f.takeKey(f.Vault, auth)
	gen := f.Vault.Generation
	f.knownGen, f.gen = gen, gen
	if known == nil {
		f.firstUse = true
		return remember(f.Path, auth.id, f.readers, gen)
	}
	f.newRecip = unseen(f.Vault, known.Recipients)
	if known.KeyID != auth.id || len(f.newRecip) > 0 || gen > known.Generation {
		return remember(f.Path, auth.id, f.readers, gen)
	}
	f.knownGen = known.Generation
	return nil
}

// admit checks a file read while f is open (a merge, a reload): it must
// authenticate under the key f last read or wrote, or prove it was
// handed over from it.
func (f *File) admit(v *Vault, auth authState) error {
	if f.key == nil {
		// We hold a vault from before keys; what known_vaults says
		// still stands.
		known, err := lookupKnown(f.Path)
		if err != nil {
			return err
		}
		if known == nil || known.KeyID == "" {
			return nil
		}
		return admitKey(f.Path, v, auth, known.KeyID)
	}
	return admitKey(f.Path, v, auth, f.keyID)
}

func admitKey(path string, v *Vault, auth authState, knownID string) error {
	switch {
	case knownID == "":
		return nil // first key of a vault from before keys: trusted on first use
	case auth.legacy:
		return &UntrustedError{Path: path, KnownKey: knownID,
			Reason: fmt.Sprintf("it carries no MAC, but this vault was authenticated by key %s", shortID(knownID))}
	case auth.id == knownID, chainsFrom(v, knownID):
		return nil
	}
	return &UntrustedError{Path: path, KnownKey: knownID, FileKey: auth.id,
		Reason: fmt.Sprintf("its vault key changed from %s to %s without proof from the old key", shortID(knownID), shortID(auth.id))}
}

func shortID(id string) string {
	if len(id) > 16 {
		return id[:16]
	}
	return id
}

// takeKey makes v's key the one f trusts from now on.
func (f *File) takeKey(v *Vault, auth authState) {
	f.key, f.keyID = auth.key, auth.id
	f.history = v.KeyHistory
	f.readers = activeKeys(v)
}

// noteRecipients adds to NewRecipients those of v this user has not seen,
// and remembers them.
func (f *File) noteRecipients(v *Vault) error {
	known, err := lookupKnown(f.Path)
	if err != nil {
		return err
	}
	var seen []string
	if known != nil {
		seen = known.Recipients
	}
	fresh := unseen(v, seen)
	for _, r := range fresh {
		if !slices.ContainsFunc(f.newRecip, func(o Recipient) bool { return o.Key == r.Key }) {
			f.newRecip = append(f.newRecip, r)
		}
	}
	if len(fresh) == 0 && known != nil {
		return nil
	}
	id := f.keyID
	if known != nil && id == "" {
		id = known.KeyID
	}
	return remember(f.Path, id, activeKeys(v), 0)
}

func unseen(v *Vault, seen []string) []Recipient {
	var out []Recipient
	for _, r := range v.ActiveRecipients() {
		if !slices.Contains(seen, r.Key) {
			out = append(out, r)
		}
	}
	return out
}

// sealed is what a save writes: f.Vault with the key it is authenticated
// under, rotated when one of the file's readers is no longer a recipient.
func (f *File) sealed() (*Vault, []byte) {
	out := *f.Vault
	key, hist := nextKey(f.history, f.key, f.key != nil && lostReader(f.readers, f.Vault))
	out.VaultKey, out.KeyHistory, out.MAC = hex.EncodeToString(key), hist, ""
	out.Generation = max(f.Vault.Generation, f.gen) + 1 // one more save (rollback.go)
	return &out, key
}

// saved records a successful write: its key is the one we trust now, its
// recipients are all seen (we wrote them).
func (f *File) saved(out *Vault, key []byte) error {
	f.Vault.VaultKey, f.Vault.KeyHistory, f.Vault.MAC = out.VaultKey, out.KeyHistory, ""
	f.Vault.Generation, f.gen = out.Generation, out.Generation
	same := f.key != nil && slices.Equal(key, f.key)
	before := f.readers
	f.key, f.keyID, f.history = key, KeyID(key), out.KeyHistory
	f.readers = activeKeys(out)
	if same && !slices.ContainsFunc(f.readers, func(k string) bool { return !slices.Contains(before, k) }) && out.Generation <= f.knownGen {
		return nil // nothing new to remember
	}
	f.knownGen = max(f.knownGen, out.Generation)
	return remember(f.Path, f.keyID, f.readers, out.Generation)
}

// canStillOpen refuses a vault this File's identity could not open once
// written: the last-key rule, checked on the result whatever produced it
// (a removal here, a merge with a removal elsewhere).
func (f *File) canStillOpen() error {
	active := f.Vault.ActiveRecipients()
	if len(active) == 0 {
		return fmt.Errorf("%w: the vault would have no recipients", ErrLastRecipient)
	}
	mine := append(ownRecipients(f.identities), f.self)
	for _, r := range active {
		if slices.Contains(mine, r.Key) {
			return nil
		}
	}
	if err := f.CanOpen(active); err != nil {
		if errors.Is(err, ErrLastRecipient) {
			return fmt.Errorf("%w: none of the vault's remaining recipients is yours (another process may have removed the one this save kept); nothing was saved", ErrLastRecipient)
		}
		return err
	}
	return nil
}

// ownRecipients are the public keys of the identities that can say theirs
// without a trial decryption.
func ownRecipients(ids []age.Identity) []string {
	var out []string
	for _, id := range ids {
		switch k := id.(type) {
		case *age.X25519Identity:
			out = append(out, k.Recipient().String())
		case *age.HybridIdentity:
			out = append(out, k.Recipient().String())
		}
	}
	return out
}

// TrustReport says what Trust accepted.
type TrustReport struct {
	Path       string
	OldKeyID   string // "" when the vault was not known here
	NewKeyID   string // "" for a vault from before keys
	Recipients []Recipient
	New        []Recipient // recipients not seen here before
}

// Trust accepts the vault file at path as it is now, after the person has
// looked at it: its key and recipients are remembered in known_vaults, so
// the next open no longer refuses it. The file must still authenticate
// under the key it carries (or carry none, a vault from before keys).
func Trust(path string, id *Identity) (*TrustReport, error) {
	rep, v, err := inspect(path, id)
	if err != nil {
		return nil, err
	}
	if err := remember(rep.Path, rep.NewKeyID, activeKeys(v), v.Generation); err != nil {
		return nil, err
	}
	if rep.OldKeyID != rep.NewKeyID {
		// Another key is another vault (re-created, restored from
		// elsewhere): its saves are counted from its own start.
		if err := editKnown(rep.Path, func(e *knownVault) { e.Generation = v.Generation }); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// InspectTrust is Trust that only reports: what the file carries now and
// what known_vaults remembers. Nothing is written.
func InspectTrust(path string, id *Identity) (*TrustReport, error) {
	rep, _, err := inspect(path, id)
	return rep, err
}

func inspect(path string, id *Identity) (*TrustReport, *Vault, error) {
	path = realPath(path)
	if err := mustExist(path); err != nil {
		return nil, nil, err
	}
	if err := checkFolder(path); err != nil {
		return nil, nil, err
	}
	data, _, err := readStamped(path)
	if err != nil {
		return nil, nil, fmt.Errorf("trust vault %s: %w", path, err)
	}
	v, auth, err := decode(data, id.Identities)
	if err != nil {
		var ue *UntrustedError
		if errors.As(err, &ue) {
			ue.Path = path
		}
		return nil, nil, fmt.Errorf("trust vault %s: %w", path, err)
	}
	known, err := lookupKnown(path)
	if err != nil {
		return nil, nil, err
	}
	rep := &TrustReport{Path: path, NewKeyID: auth.id, Recipients: v.ActiveRecipients()}
	var seen []string
	if known != nil {
		rep.OldKeyID, seen = known.KeyID, known.Recipients
	}
	rep.New = unseen(v, seen)
	return rep, v, nil
}
