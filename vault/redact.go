package vault

import (
	"strings"
	"unicode"
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

// Public returns the account's texts that are no secret and that its
// messages name: name, username, host, address, the SMTP host and login.
// Redaction never hides a piece of a secret that is also a piece of one of
// these (a password holding the username must not hide the username).
func (a *Account) Public() []string {
	out := []string{a.Name, a.Username, a.Host, a.Address}
	if e := a.SMTP; e != nil {
		out = append(out, e.Host, e.Username)
	}
	return out
}

// Public returns every account's public texts (see Account.Public).
func (v *Vault) Public() []string {
	var out []string
	for _, a := range v.Accounts {
		out = append(out, a.Public()...)
	}
	return out
}

// Redact replaces, in s, every substring of a secret that is at least
// MinSecretPiece characters long with Redacted: a fragment of a password
// cut at a comma or a newline is hidden as well as the whole one. Secrets
// of 2 or 3 characters are redacted only as a whole word (hiding every
// "ex" would garble every host name); a 1-character one is never looked for.
func Redact(s string, secrets ...string) string { return RedactKeeping(s, nil, secrets...) }

// RedactKeeping is Redact, except that a piece of a secret that is also a
// piece of one of keep (account names, usernames, hosts: Public) is left
// alone, so "login alice failed" stays readable when alice's password
// holds "alice". The rest of such a secret is still hidden.
func RedactKeeping(s string, keep []string, secrets ...string) string {
	if s == "" || len(secrets) == 0 {
		return s
	}
	kept := keptWindows(keep)
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
				if at := off + i; wordAt(s, at, len(sec)) {
					markAt(at, len(sec))
				}
				off += i + 1
			}
			continue
		}
		starts := runeStarts(sec)
		for k := 0; k+MinSecretPiece < len(starts); k++ {
			piece := sec[starts[k]:starts[k+MinSecretPiece]]
			if kept[strings.ToLower(piece)] {
				continue
			}
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

// keptWindows is every MinSecretPiece-rune window of keep, lower-cased
// (hosts are case-insensitive, and a server may change a name's case).
func keptWindows(keep []string) map[string]bool {
	if len(keep) == 0 {
		return nil
	}
	out := map[string]bool{}
	for _, k := range keep {
		k = strings.ToLower(k)
		st := runeStarts(k)
		for i := 0; i+MinSecretPiece < len(st); i++ {
			out[k[st[i]:st[i+MinSecretPiece]]] = true
		}
	}
	return out
}

// wordAt reports whether s[at:at+n] stands alone: no letter or digit
// touches it on either side.
func wordAt(s string, at, n int) bool {
	if at > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:at]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	if at+n < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[at+n:]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// runeStarts is the byte offset of each rune of s, then len(s).
func runeStarts(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}
