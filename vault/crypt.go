package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// decode turns ciphertext into a checked payload and says whether it
// carries a valid MAC under its own key (which of our keys it should be is
// for the caller to decide).
func decode(data []byte, ids []age.Identity) (*Vault, authState, error) {
	v, plain, shared, err := decrypt(data, ids)
	keep := false // the returned vault's strings live in plain
	defer func() {
		if !keep {
			clear(plain)
		}
	}()
	if err != nil {
		return nil, authState{}, err
	}
	auth, err := checkMAC(v, plain)
	if err != nil {
		return nil, authState{}, &UntrustedError{Reason: err.Error()}
	}
	v.MAC = "" // checked; it means nothing in memory
	keep = shared
	return v, auth, nil
}

// decrypt returns the parsed payload and the plaintext, which the caller
// clears once nothing uses it: at once, unless shared says the vault's
// strings live in it.
func decrypt(data []byte, ids []age.Identity) (*Vault, []byte, bool, error) {
	if len(data) == 0 {
		return nil, nil, false, fmt.Errorf("%w: the file is empty", ErrCorrupt)
	}
	var src io.Reader = bytes.NewReader(data)
	switch {
	case bytes.HasPrefix(data, []byte("age-encryption.org/")):
	case bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(armor.Header)):
		// A vault someone re-encrypted by hand with `age -a`; the next
		// save writes it binary again.
		src = armor.NewReader(src)
	default:
		return nil, nil, false, fmt.Errorf("%w: not an age-encrypted file", ErrCorrupt)
	}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, nil, false, fmt.Errorf("%w: %v", ErrNoIdentity, err)
		}
		if errors.Is(err, ErrPluginRefused) {
			return nil, nil, false, err
		}
		return nil, nil, false, corrupt(err)
	}
	// Sized from the ciphertext, which is a little longer than the
	// plaintext, so the read never regrows and copies.
	var pb bytes.Buffer
	pb.Grow(len(data))
	_, err = pb.ReadFrom(r)
	plain := pb.Bytes()
	if err != nil {
		return nil, plain, false, corrupt(err)
	}
	v, shared, err := parsePayload(plain)
	return v, plain, shared, err
}

// corrupt words age's complaint for a person: a cut-off file is the
// common case (a full disk, a sync tool, a copy that did not finish).
func corrupt(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the file is truncated (%v)", ErrCorrupt, err)
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// encode marshals the vault with its MAC under key and encrypts it to its
// active recipients.
func encode(v *Vault, key []byte) ([]byte, error) {
	recips, err := ParseRecipients(v.ActiveRecipients())
	if err != nil {
		return nil, err
	}
	if len(recips) == 0 {
		return nil, errors.New("the vault has no recipients to encrypt to")
	}
	plain, err := sealedPayload(v, key)
	if err != nil {
		return nil, fmt.Errorf("encode vault: %w", err)
	}
	defer clear(plain)
	var buf bytes.Buffer
	buf.Grow(len(plain) + 4096)
	w, err := age.Encrypt(&buf, recips...)
	if err != nil {
		return nil, fmt.Errorf("encrypt vault: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, fmt.Errorf("encrypt vault: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt vault: %w", err)
	}
	return buf.Bytes(), nil
}
