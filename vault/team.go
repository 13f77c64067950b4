package vault

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/plugin"
	"golang.org/x/crypto/ssh"
)

// Errors of recipient changes that callers branch on.
var (
	ErrRecipientExists   = errors.New("already an active recipient of this vault")
	ErrRecipientNotFound = errors.New("no active recipient matches")
	ErrLastRecipient     = errors.New("your identity could no longer open the vault")
	ErrMixedRecipients   = errors.New("post-quantum (age1pq1...) and classic recipients can't be mixed")
	ErrPluginMissing     = errors.New("age plugin not found")
)

// PluginMissingError names the age plugin binary a recipient or identity
// needs and PATH lacks.
type PluginMissingError struct{ Name string }

func (e *PluginMissingError) Error() string {
	return fmt.Sprintf("%s: age-plugin-%s is not on PATH", ErrPluginMissing, e.Name)
}

func (e *PluginMissingError) Unwrap() error { return ErrPluginMissing }

// PluginUI is how age plugins (a YubiKey, say) ask for a PIN or a touch.
// The default talks to the terminal directly; the TUI sets its own before
// LoadIdentity, since plugin identities keep the UI they were loaded with.
var PluginUI = plugin.NewTerminalUI(
	func(format string, v ...any) { fmt.Fprintf(os.Stderr, "imapvault: "+format+"\n", v...) },
	func(format string, v ...any) { fmt.Fprintf(os.Stderr, "imapvault: warning: "+format+"\n", v...) },
)

// pluginName returns the plugin a recipient key like age1yubikey1... needs,
// or "" for the keys age handles itself (age1..., age1pq1...). Bech32 data
// never holds a '1', so the last one ends the name part.
func pluginName(key string) string {
	hrp := strings.ToLower(key[:max(strings.LastIndex(key, "1"), 0)])
	if !strings.HasPrefix(hrp, "age1") || hrp == "age1pq" {
		return ""
	}
	return strings.TrimPrefix(hrp, "age1")
}

// needPlugin checks the plugin's binary is on PATH, so a missing one is
// reported by name and not as a failed encryption or a corrupt vault.
func needPlugin(name string) error {
	if _, err := exec.LookPath("age-plugin-" + name); err != nil {
		return &PluginMissingError{Name: name}
	}
	return nil
}

func parsePluginRecipient(key string) (age.Recipient, error) {
	name := pluginName(key)
	if err := needPlugin(name); err != nil {
		return nil, err
	}
	return plugin.NewRecipient(key, PluginUI)
}

// NormalizeRecipient trims a key and drops an SSH key's comment, so the
// same key is always stored and compared the same way. The comment is
// returned as a label suggestion.
func NormalizeRecipient(key string) (norm, comment string, err error) {
	key = strings.TrimSpace(key)
	if looksPrivate(key) {
		return "", "", errors.New("that is a private key (an identity), not a recipient: give its public key (age1..., ssh-...)")
	}
	if strings.HasPrefix(key, "ssh-") {
		pub, c, _, _, err := ssh.ParseAuthorizedKey([]byte(key))
		if err != nil {
			return "", "", fmt.Errorf("malformed SSH public key: %w", err)
		}
		key, comment = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), c
	}
	if _, err := ParseRecipient(key); err != nil {
		return "", "", err
	}
	return key, comment, nil
}

// looksPrivate spots a secret pasted where a public key belongs, so the
// error never echoes it.
func looksPrivate(s string) bool {
	u := strings.ToUpper(s)
	return strings.HasPrefix(u, "AGE-SECRET-KEY-") || strings.HasPrefix(u, "AGE-PLUGIN-") || strings.Contains(s, "PRIVATE KEY")
}

// ReadRecipientsFile reads one recipient per line; blank lines and lines
// starting with # are skipped.
func ReadRecipientsFile(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, _, err := NormalizeRecipient(line); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no recipients in the file")
	}
	return out, nil
}

// CheckRecipients encrypts a throwaway blob to rs, so a set age refuses
// (post-quantum mixed with classic keys, a plugin that fails) is caught
// before the vault is written.
func CheckRecipients(rs []Recipient) error {
	recips, err := ParseRecipients(rs)
	if err != nil {
		return err
	}
	w, err := age.Encrypt(io.Discard, recips...)
	if err != nil {
		if strings.Contains(err.Error(), "can't mix post-quantum and classic") {
			return fmt.Errorf("%w: age refuses, or the vault would be open to quantum computers through the classic keys", ErrMixedRecipients)
		}
		return fmt.Errorf("encrypt to the recipients: %w", err)
	}
	return w.Close()
}

// ShortKey abbreviates the key for lists.
func (r Recipient) ShortKey() string { return shortKey(r.Key) }

// AddRecipient adds key (X25519, post-quantum, SSH or plugin) as a new
// active recipient; the next save encrypts to it. A key once removed may
// come back: it gets a new entry, and the old one stays as history.
func (v *Vault) AddRecipient(key, label, by string, now time.Time) (Recipient, error) {
	norm, comment, err := NormalizeRecipient(key)
	if err != nil {
		return Recipient{}, err
	}
	for _, r := range v.ActiveRecipients() {
		if r.Key == norm {
			return Recipient{}, fmt.Errorf("%s (%s): %w", shortKey(norm), r.Label, ErrRecipientExists)
		}
	}
	if label == "" {
		label = comment
	}
	if by == "" {
		by = whoami()
	}
	r := Recipient{Key: norm, Label: label, Added: now, AddedBy: by}
	if err := CheckRecipients(append(v.ActiveRecipients(), r)); err != nil {
		return Recipient{}, err
	}
	v.Recipients = append(v.Recipients, r)
	return r, nil
}

// FindRecipient returns the index of the active recipient named by s: its
// key, the short key that lists show, a unique key prefix of at least 10
// characters, or its label (case-insensitive).
func (v *Vault) FindRecipient(s string) (int, error) {
	s = strings.TrimSpace(s)
	if looksPrivate(s) {
		return -1, errors.New("that is a private key (an identity): name the recipient by its public key or label")
	}
	if norm, _, err := NormalizeRecipient(s); err == nil {
		s = norm
	}
	for i, r := range v.Recipients {
		if r.Removed == nil && r.Key == s {
			return i, nil
		}
	}
	tests := []struct {
		what  string
		match func(Recipient) bool
	}{
		{"keys", func(r Recipient) bool { return r.ShortKey() == s || len(s) >= 10 && strings.HasPrefix(r.Key, s) }},
		{"labels", func(r Recipient) bool { return r.Label != "" && strings.EqualFold(r.Label, s) }},
	}
	for _, tc := range tests {
		match := -1
		for i, r := range v.Recipients {
			if r.Removed != nil || !tc.match(r) {
				continue
			}
			if match >= 0 {
				return -1, fmt.Errorf("%q matches several recipients' %s: give the whole key", s, tc.what)
			}
			match = i
		}
		if match >= 0 {
			return match, nil
		}
	}
	return -1, fmt.Errorf("%q: %w", s, ErrRecipientNotFound)
}

// RemoveRecipient marks the active recipient named by key or label as
// removed (the entry stays, dated, for the exposed audit). It refuses when
// f's identity could not open the vault encrypted to those who remain.
func (f *File) RemoveRecipient(keyOrLabel, by string, now time.Time) (Recipient, error) {
	i, err := f.Vault.FindRecipient(keyOrLabel)
	if err != nil {
		return Recipient{}, err
	}
	var rest []Recipient
	for j, r := range f.Vault.Recipients {
		if j != i && r.Removed == nil {
			rest = append(rest, r)
		}
	}
	if len(rest) == 0 {
		return Recipient{}, fmt.Errorf("%w: it is the vault's only recipient", ErrLastRecipient)
	}
	if err := f.CanOpen(rest); err != nil {
		return Recipient{}, err
	}
	if by == "" {
		by = whoami()
	}
	r := &f.Vault.Recipients[i]
	r.Removed, r.RemovedBy = &now, by
	return *r, nil
}

// CanOpen proves that f's identity could decrypt a vault encrypted to rs,
// by encrypting a random blob to them and decrypting it. Comparing key
// strings alone would miss an identity file holding several keys.
func (f *File) CanOpen(rs []Recipient) error {
	recips, err := ParseRecipients(rs)
	if err != nil {
		return err
	}
	blob := make([]byte, 32)
	rand.Read(blob)
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, recips...)
	if err != nil {
		return fmt.Errorf("encrypt to the remaining recipients: %w", err)
	}
	w.Write(blob)
	if err := w.Close(); err != nil {
		return fmt.Errorf("encrypt to the remaining recipients: %w", err)
	}
	r, err := age.Decrypt(&buf, f.identities...)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return ErrLastRecipient
		}
		return fmt.Errorf("%w: %v", ErrLastRecipient, err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, blob) {
		return fmt.Errorf("%w: test decryption failed", ErrLastRecipient)
	}
	return nil
}

var pluginRecipientComment = regexp.MustCompile(`(?i)^#\s*(?:recipient|public key):\s*(age1\S+)`)

// loadWithPlugins parses an identity file that has AGE-PLUGIN-... lines
// (a hardware key) next to, or instead of, plain age keys. The public key
// of a plugin identity comes from the "# Recipient: age1..." (or "# public
// key: age1...") comment that plugins such as age-plugin-yubikey write
// beside it.
func (id *Identity) loadWithPlugins(data []byte) error {
	var plain bytes.Buffer
	var plugins []age.Identity
	recipient := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := pluginRecipientComment.FindStringSubmatch(line); m != nil && recipient == "" {
			recipient = m[1]
		}
		if !strings.HasPrefix(line, "AGE-PLUGIN-") {
			plain.WriteString(line + "\n")
			continue
		}
		name, _, err := plugin.ParseIdentity(line)
		if err != nil {
			return errors.New("malformed plugin identity") // never echo key material
		}
		if err := needPlugin(name); err != nil {
			return err
		}
		p, err := plugin.NewIdentity(line, PluginUI)
		if err != nil {
			return errors.New("malformed plugin identity")
		}
		plugins = append(plugins, pluginIdentity{p})
	}
	if bytes.Contains(plain.Bytes(), []byte("AGE-SECRET-KEY-")) {
		if err := id.loadPlain(plain.Bytes()); err != nil {
			return err
		}
	}
	id.Identities = append(id.Identities, plugins...)
	if id.Recipient == "" {
		id.Recipient = recipient
	}
	id.Kind = IdentityPlugin
	return nil
}

// hasPluginIdentity reports whether an identity file holds AGE-PLUGIN- lines.
func hasPluginIdentity(data []byte) bool {
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("AGE-PLUGIN-")) {
			return true
		}
	}
	return false
}

// recipients unites both lists; an entry is one key added at one time.
// Removal wins. When only one side removed a recipient, the other side kept
// writing files that recipient could read until now, so the removal is
// dated now: every password set before then counts as exposed.
func (m *merger) recipients(base, ours, theirs []Recipient) []Recipient {
	key := func(r Recipient) string { return r.Key + "\x00" + r.Added.UTC().Format(time.RFC3339Nano) }
	inBase := map[string]Recipient{}
	for _, r := range base {
		inBase[key(r)] = r
	}
	out := slices.Clone(ours)
	at := map[string]int{}
	for i, r := range out {
		at[key(r)] = i
	}
	for _, t := range theirs {
		i, ok := at[key(t)]
		if !ok {
			at[key(t)] = len(out)
			out = append(out, t)
			continue
		}
		o := &out[i]
		b := inBase[key(t)]
		o.Label = pick(m, nil, "recipient "+shortKey(o.Key)+" label", b.Label, o.Label, t.Label, showString)
		switch {
		case o.Removed != nil && t.Removed != nil:
			if t.Removed.After(*o.Removed) {
				o.Removed, o.RemovedBy = t.Removed, t.RemovedBy
			}
		case t.Removed != nil || o.Removed != nil:
			if t.Removed != nil {
				o.RemovedBy = t.RemovedBy
			}
			now := m.now
			o.Removed = &now
		}
	}
	return out
}

// shortKey abbreviates a recipient key for messages.
func shortKey(k string) string {
	if len(k) <= 20 {
		return k
	}
	return k[:12] + "…" + k[len(k)-6:]
}

// ErrPluginRefused is a plugin identity that would not unwrap (a wrong PIN,
// no touch): the vault is fine, the unlock can simply be tried again.
var ErrPluginRefused = errors.New("the identity's plugin refused")

// pluginIdentity marks what a plugin says when it fails, so that a wrong
// PIN is not taken for a corrupt vault.
type pluginIdentity struct{ *plugin.Identity }

func (p pluginIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	key, err := p.Identity.Unwrap(stanzas)
	if err != nil && !errors.Is(err, age.ErrIncorrectIdentity) {
		err = fmt.Errorf("%w: %w", ErrPluginRefused, err)
	}
	return key, err
}
