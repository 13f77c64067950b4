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
	markAt := func(at, n int) {
		if hide == nil {
			hide = make([]bool, len(s))
		}
		for j := at; j < at+n; j++ {
			hide[j] = true
		}
	}
	// Every substring of MinSecretPiece or more runes contains one of
	// exactly MinSecretPiece runes: marking those marks them all. The
	// windows of s go into a map once, so a vault of thousands of secrets
	// costs one lookup per window of each secret.
	windows := map[string][]int{}
	sStarts := runeStarts(s)
	for k := 0; k+MinSecretPiece < len(sStarts); k++ {
		w := s[sStarts[k]:sStarts[k+MinSecretPiece]]
		windows[w] = append(windows[w], sStarts[k])
	}
	for _, sec := range secrets {
		n := utf8.RuneCountInString(sec)
		switch {
		case n < 2:
			continue
		case n < MinSecretPiece:
			for off := 0; ; {
				i := strings.Index(s[off:], sec)
				if i < 0 {
					break
				}
				markAt(off+i, len(sec))
				off += i + 1
			}
			continue
		}
		starts := runeStarts(sec)
		for k := 0; k+MinSecretPiece < len(starts); k++ {
			piece := sec[starts[k]:starts[k+MinSecretPiece]]
			for _, at := range windows[piece] {
				markAt(at, len(piece))
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

// runeStarts is the byte offset of each rune of s, then len(s).
func runeStarts(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}
