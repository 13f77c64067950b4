package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/agessh"
	"filippo.io/age/armor"
	"golang.org/x/crypto/ssh"
)

// ScryptWorkFactor is the log2 scrypt cost of new passphrase-protected
// identities: 18 costs about 0.75 s and 256 MiB, paid once per unlock.
// Tests lower it, as age's own tests do.
var ScryptWorkFactor = 18

// PassphraseFunc asks the person for a passphrase. It is only called when
// the identity needs one.
type PassphraseFunc func() ([]byte, error)

// IdentityKind says what an identity file holds, so a UI knows whether to
// ask for a passphrase before unlocking.
type IdentityKind int

const (
	IdentityMissing      IdentityKind = iota
	IdentityPlain                     // AGE-SECRET-KEY-1... lines
	IdentityProtected                 // an age file encrypted with a passphrase
	IdentitySSH                       // an unencrypted SSH private key
	IdentitySSHEncrypted              // an SSH private key with a passphrase
	IdentityPlugin                    // AGE-PLUGIN-... lines: a hardware key or other age plugin (team.go)
)

// NeedsPassphrase reports whether loading this kind asks for a passphrase.
func (k IdentityKind) NeedsPassphrase() bool {
	return k == IdentityProtected || k == IdentitySSHEncrypted
}

// Identity opens vaults: the parsed age identities and the public key a
// new vault is encrypted to.
type Identity struct {
	Path       string
	Kind       IdentityKind
	Identities []age.Identity
	Recipient  string // age1..., or an ssh-ed25519/ssh-rsa authorized key
}

const identitySizeLimit = 1 << 20

// DetectIdentity reads the file's first bytes to tell its kind.
func DetectIdentity(path string) (IdentityKind, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return IdentityMissing, nil
	}
	if err != nil {
		return IdentityMissing, fmt.Errorf("read identity %s: %w", path, err)
	}
	return detect(data), nil
}

func detect(data []byte) IdentityKind {
	trimmed := bytes.TrimSpace(data)
	switch {
	case bytes.HasPrefix(data, []byte("age-encryption.org/")) || bytes.HasPrefix(trimmed, []byte(armor.Header)):
		return IdentityProtected
	case bytes.HasPrefix(trimmed, []byte("-----BEGIN")):
		if _, err := ssh.ParseRawPrivateKey(data); err != nil {
			var missing *ssh.PassphraseMissingError
			if errors.As(err, &missing) {
				return IdentitySSHEncrypted
			}
		}
		return IdentitySSH
	case hasPluginIdentity(data):
		return IdentityPlugin
	}
	return IdentityPlain
}

// LoadIdentity reads an identity file of any supported kind. pass is called
// only for passphrase-protected files; a wrong passphrase gives
// ErrWrongPassphrase.
func LoadIdentity(path string, pass PassphraseFunc) (*Identity, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("identity %s: %w", path, os.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read identity %s: %w", path, err)
	}
	if len(data) > identitySizeLimit {
		return nil, fmt.Errorf("identity %s: file too large to be an identity", path)
	}
	id := &Identity{Path: path, Kind: detect(data)}
	switch id.Kind {
	case IdentityProtected:
		err = id.loadProtected(data, pass)
	case IdentitySSH, IdentitySSHEncrypted:
		err = id.loadSSH(data, pass)
	default:
		err = id.loadPlain(data)
	}
	if err != nil {
		return nil, fmt.Errorf("identity %s: %w", path, err)
	}
	return id, nil
}

func (id *Identity) loadPlain(data []byte) error {
	if hasPluginIdentity(data) {
		return id.loadWithPlugins(data)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(data))
	if err != nil {
		return err
	}
	id.Identities = ids
	if x, ok := ids[0].(*age.X25519Identity); ok {
		id.Recipient = x.Recipient().String()
	} else if h, ok := ids[0].(*age.HybridIdentity); ok {
		id.Recipient = h.Recipient().String()
	}
	return nil
}

func (id *Identity) loadProtected(data []byte, pass PassphraseFunc) error {
	if pass == nil {
		return errors.New("identity is passphrase-protected and no passphrase was given")
	}
	p, err := pass()
	if err != nil {
		return fmt.Errorf("read passphrase: %w", err)
	}
	defer clear(p)
	sid, err := age.NewScryptIdentity(string(p))
	if err != nil {
		return err
	}
	var r io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte(armor.Header)) {
		r = armor.NewReader(r)
	}
	dr, err := age.Decrypt(r, sid)
	if err != nil {
		if errors.Is(err, age.ErrIncorrectIdentity) {
			return ErrWrongPassphrase
		}
		return fmt.Errorf("decrypt: %w", err)
	}
	plain, err := io.ReadAll(dr)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	defer clear(plain)
	return id.loadPlain(plain)
}

func (id *Identity) loadSSH(data []byte, pass PassphraseFunc) error {
	raw, err := ssh.ParseRawPrivateKey(data)
	var missing *ssh.PassphraseMissingError
	switch {
	case errors.As(err, &missing):
		if pass == nil {
			return errors.New("SSH key is passphrase-protected and no passphrase was given")
		}
		p, err := pass()
		if err != nil {
			return fmt.Errorf("read passphrase: %w", err)
		}
		defer clear(p)
		// Decrypt once, now: a wrong passphrase shows at unlock, and
		// neither the passphrase is kept nor the key's bcrypt KDF
		// (~0.15 s) paid again on every open.
		raw, err = ssh.ParseRawPrivateKeyWithPassphrase(data, p)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return ErrWrongPassphrase
		}
		if err != nil {
			return fmt.Errorf("decrypt SSH key: %w", err)
		}
	case err != nil:
		return fmt.Errorf("malformed SSH key: %w", err)
	}
	var sid age.Identity
	switch k := raw.(type) {
	case ed25519.PrivateKey:
		sid, err = agessh.NewEd25519Identity(k)
	case *ed25519.PrivateKey:
		sid, err = agessh.NewEd25519Identity(*k)
	case *rsa.PrivateKey:
		sid, err = agessh.NewRSAIdentity(k)
	default:
		return fmt.Errorf("SSH key type %T can't decrypt age files (use ed25519 or RSA)", raw)
	}
	if err != nil {
		return fmt.Errorf("SSH key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(raw)
	if err != nil {
		return fmt.Errorf("malformed SSH key: %w", err)
	}
	id.Identities = []age.Identity{sid}
	id.Recipient = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	return nil
}

// CreateIdentity makes a new X25519 key and writes it to path encrypted
// with the passphrase (age scrypt, work factor ScryptWorkFactor), so that
// `age -d -i path vault.age` works with the stock CLI. It refuses to
// overwrite an existing file.
func CreateIdentity(path string, passphrase []byte) (*Identity, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("passphrase can't be empty")
	}
	k, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	sr, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return nil, err
	}
	sr.SetWorkFactor(ScryptWorkFactor)
	var buf bytes.Buffer
	aw := armor.NewWriter(&buf)
	w, err := age.Encrypt(aw, sr)
	if err != nil {
		return nil, fmt.Errorf("encrypt identity: %w", err)
	}
	fmt.Fprintf(w, "# created: %s\n# public key: %s\n%s\n",
		time.Now().Format(time.RFC3339), k.Recipient(), k)
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt identity: %w", err)
	}
	if err := aw.Close(); err != nil {
		return nil, fmt.Errorf("encrypt identity: %w", err)
	}
	if err := writeNewFile(path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("write identity %s: %w", path, err)
	}
	return &Identity{Path: path, Kind: IdentityProtected, Identities: []age.Identity{k}, Recipient: k.Recipient().String()}, nil
}

// writeNewFile writes data to a new 0600 file, making parent folders 0700,
// and never replaces an existing file.
func writeNewFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
