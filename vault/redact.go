package vault

import (
	"strings"
	"unicode/utf8"
)

// Redacted stands where secret material was cut out of a text.
const Redacted = "[redacted]"

// MinSecretPiece is the shortest piece of a secret Redact hides: any run
// of this many characters (runes) of a secret, wherever it appears.
const MinSecretPiece = 4

// Secrets returns every secret the vault holds: current, pending and
// retired passwords and OAuth2 client secrets and tokens, for Redact.
func (v *Vault) Secrets() []string {
	var out []string
	for _, a := range v.Accounts {
		out = append(out, a.Secrets()...)
	}
	return out
}

// Secrets returns the account's secrets (see Vault.Secrets).
func (a *Account) Secrets() []string {
	out := []string{a.Password}
	if a.Pending != nil {
		out = append(out, a.Pending.Password)
	}
	for _, h := range a.History {
		out = append(out, h.Password)
	}
	if o := a.OAuth; o != nil {
		out = append(out, o.ClientSecret, o.RefreshToken, o.AccessToken)
	}
	return out
}

// Redact replaces, in s, every substring of a secret that is at least
// MinSecretPiece characters long with Redacted: a fragment of a password
// cut at a comma or a newline is hidden as well as the whole one. Secrets
// shorter than MinSecretPiece are redacted only whole, and only when they
// are at least 2 characters (a 1-character "secret" would hide everything).
func Redact(s string, secrets ...string) string {
	if s == "" || len(secrets) == 0 {
		return s
	}
	var hide []bool // per byte of s
	mark := func(piece string) {
		for off := 0; ; {
			i := strings.Index(s[off:], piece)
			if i < 0 {
				return
			}
			if hide == nil {
				hide = make([]bool, len(s))
			}
			for j := off + i; j < off+i+len(piece); j++ {
				hide[j] = true
			}
			off += i + 1
		}
	}
	for _, sec := range secrets {
		n := utf8.RuneCountInString(sec)
		switch {
		case n < 2:
			continue
		case n < MinSecretPiece:
			mark(sec)
			continue
		}
		// Every substring of MinSecretPiece or more runes contains one of
		// MinSecretPiece runes: marking those marks them all.
		starts := make([]int, 0, n+1)
		for i := range sec {
			starts = append(starts, i)
		}
		starts = append(starts, len(sec))
		seen := map[string]bool{}
		for k := 0; k+MinSecretPiece < len(starts); k++ {
			piece := sec[starts[k]:starts[k+MinSecretPiece]]
			if !seen[piece] {
				seen[piece] = true
				mark(piece)
			}
		}
	}
	if hide == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !hide[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(Redacted)
		for i < len(s) && hide[i] {
			i++
		}
	}
	return b.String()
}
