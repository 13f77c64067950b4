package vault

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// The vault authenticates itself. age encrypts to public keys, so anyone
// can write a file that a member's identity opens: a stranger with write
// access to a shared folder could list themselves as a recipient and wait
// for the next save. So the payload carries a random vault key, known only
// to those who could decrypt it, and a MAC under it:
//
//	mac = HMAC-SHA256(HKDF(vault key, "imapvault payload mac v1"),
//	                  the payload JSON as imapvault encodes it without "mac")
//
// "mac" is the payload's last field and is omitted when empty, so the MAC
// input is the plaintext with its final `,"mac":"..."` cut out. The check
// re-encodes what it decoded when the bytes differ (a file re-indented by
// hand): what is authenticated is always exactly the model that is used.
//
// A key is named outside the vault (known_vaults) by its ID, an HKDF of
// it, never by the key itself. Removing a recipient rotates the key at the
// next save; the retired key stays in KeyHistory with an HMAC under it of
// the next key's ID, so a member who knew the old key accepts the new one.

// vaultKeySize is the size of a vault key in bytes.
const vaultKeySize = 32

// maxKeyHistory bounds KeyHistory: a member who missed more rotations than
// this is asked to confirm the new key (imapvault trust).
const maxKeyHistory = 16

// ErrUntrusted is a vault file that does not authenticate as the vault we
// know: no valid MAC, or a key that changed without proof.
var ErrUntrusted = errors.New("vault file does not authenticate")

// UntrustedError says why a file was refused. KnownKey and FileKey are key
// IDs (empty when unknown or absent).
type UntrustedError struct {
	Path     string
	Reason   string
	KnownKey string
	FileKey  string
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("%s: %s", ErrUntrusted, e.Reason) // callers name the file
}

func (e *UntrustedError) Unwrap() error { return ErrUntrusted }

// KeyChanged reports whether the file authenticates under its own key but
// that key is not one we can trace back to the known one: a new vault, a
// vault restored from elsewhere, or a forgery. `imapvault trust` accepts it.
func (e *UntrustedError) KeyChanged() bool { return e.KnownKey != "" && e.FileKey != "" }

func derive(key []byte, info string) []byte {
	k, err := hkdf.Key(sha256.New, key, nil, info, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot make
	}
	return k
}

// KeyID names a vault key: 16 bytes of HKDF output, hex. Knowing the ID
// tells nothing about the key.
func KeyID(key []byte) string {
	return hex.EncodeToString(derive(key, "imapvault vault key id v1")[:16])
}

func newVaultKey() []byte {
	k := make([]byte, vaultKeySize)
	rand.Read(k)
	return k
}

func parseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != vaultKeySize {
		return nil, errors.New("malformed vault key")
	}
	return k, nil
}

// macInput is the payload without its "mac" field.
func macInput(v *Vault) ([]byte, error) {
	c := *v
	c.MAC = ""
	return marshalPayload(&c)
}

func payloadMAC(key []byte, input ...[]byte) []byte {
	m := hmac.New(sha256.New, derive(key, "imapvault payload mac v1"))
	for _, in := range input {
		m.Write(in)
	}
	return m.Sum(nil)
}

// sealedPayload encodes v with its MAC under key (v.VaultKey must be key).
func sealedPayload(v *Vault, key []byte) ([]byte, error) {
	in, err := macInput(v)
	if err != nil {
		return nil, err
	}
	mac := hex.EncodeToString(payloadMAC(key, in))
	// The same bytes json.Marshal writes for v with MAC set: "mac" is the
	// last field and hex needs no escaping.
	out := append(in[:len(in)-1], `,"mac":"`...)
	out = append(out, mac...)
	out = append(out, `"}`...)
	if &out[0] != &in[0] {
		clear(in) // regrown: the old buffer held the plaintext too
	}
	return out, nil
}

// macFromPlain finds the MAC input in the decrypted bytes themselves: the
// plaintext with its trailing `,"mac":"<hex>"}` replaced by `}` (returned
// as two pieces, so nothing is copied).
func macFromPlain(plain []byte, mac string) [][]byte {
	tail := `,"mac":"` + mac + `"}`
	if !bytes.HasSuffix(plain, []byte(tail)) {
		return nil
	}
	return [][]byte{plain[:len(plain)-len(tail)], []byte("}")}
}

// authState is what a decoded payload says about its own authentication.
type authState struct {
	key    []byte // nil: a vault from before authentication (upgraded on save)
	id     string
	legacy bool
}

// checkMAC verifies that v carries a valid MAC under its own key. plain is
// the decrypted JSON v came from (nil to re-encode). This proves only that
// whoever wrote the file knew the key it carries; verify decides whether
// that key is the vault's.
func checkMAC(v *Vault, plain []byte) (authState, error) {
	if v.VaultKey == "" && v.MAC == "" && len(v.KeyHistory) == 0 {
		return authState{legacy: true}, nil
	}
	key, err := parseKey(v.VaultKey)
	if err != nil {
		return authState{}, err
	}
	want, err := hex.DecodeString(v.MAC)
	if err != nil || len(want) != sha256.Size {
		return authState{}, errors.New("the payload has no valid MAC")
	}
	if in := macFromPlain(plain, v.MAC); in != nil && hmac.Equal(payloadMAC(key, in...), want) {
		return authState{key: key, id: KeyID(key)}, nil
	}
	// Not the bytes imapvault writes (re-indented by hand, say): the MAC
	// must then match the model as decoded, encoded again.
	in, err := macInput(v)
	if err != nil {
		return authState{}, err
	}
	defer clear(in)
	if !hmac.Equal(payloadMAC(key, in), want) {
		return authState{}, errors.New("the payload's MAC does not match its content")
	}
	return authState{key: key, id: KeyID(key)}, nil
}

func rotationProof(old []byte, nextID string) string {
	m := hmac.New(sha256.New, derive(old, "imapvault key rotation v1"))
	m.Write([]byte(nextID))
	return hex.EncodeToString(m.Sum(nil))
}

// chainsFrom reports whether v's KeyHistory proves, link by link, that the
// key with ID knownID handed over to v's current key.
func chainsFrom(v *Vault, knownID string) bool {
	start := -1
	keys := make([][]byte, len(v.KeyHistory))
	for i, l := range v.KeyHistory {
		k, err := parseKey(l.Key)
		if err != nil {
			return false
		}
		keys[i] = k
		if KeyID(k) == knownID {
			start = i
		}
	}
	if start < 0 {
		return false
	}
	for i := start; i < len(keys); i++ {
		next := v.VaultKey
		if i+1 < len(keys) {
			next = v.KeyHistory[i+1].Key
		}
		nk, err := parseKey(next)
		if err != nil {
			return false
		}
		want, err := hex.DecodeString(v.KeyHistory[i].Proof)
		got, _ := hex.DecodeString(rotationProof(keys[i], KeyID(nk)))
		if err != nil || !hmac.Equal(got, want) {
			return false
		}
	}
	return true
}

// nextKey is the key material a save writes: the trusted key, a fresh one
// for a vault from before authentication, or - when a recipient left since
// the file was read - a new key with proof under the old one.
func nextKey(hist []KeyLink, trusted []byte, rotate bool) (key []byte, history []KeyLink) {
	if trusted == nil {
		return newVaultKey(), nil
	}
	if !rotate {
		return trusted, hist
	}
	key = newVaultKey()
	history = append(hist[:len(hist):len(hist)], KeyLink{
		Key:   hex.EncodeToString(trusted),
		Proof: rotationProof(trusted, KeyID(key)),
	})
	if len(history) > maxKeyHistory {
		history = history[len(history)-maxKeyHistory:]
	}
	return key, history
}

// lostReader reports whether a recipient in before is no longer active in v.
func lostReader(before []string, v *Vault) bool {
	now := map[string]bool{}
	for _, r := range v.ActiveRecipients() {
		now[r.Key] = true
	}
	for _, k := range before {
		if !now[k] {
			return true
		}
	}
	return false
}

func activeKeys(v *Vault) []string {
	var out []string
	for _, r := range v.ActiveRecipients() {
		out = append(out, r.Key)
	}
	return out
}
