package vault

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Caps on what an account's fields may hold. Names and the rest are shown
// in tables, the TUI and errors: no control character and nothing long
// enough to flood a screen gets in.
const (
	MaxNameLen     = 64   // runes
	MaxUsernameLen = 256  // runes
	MaxHostLen     = 253  // bytes, as in DNS
	MaxTagLen      = 64   // runes
	MaxTags        = 32   // tags per account
	MaxNotesLen    = 4096 // bytes
	MaxHookLen     = 4096 // bytes
	MaxAddressLen  = 320  // bytes: 64 local part + @ + 255 domain (RFC 3696)
	MaxCAFileLen   = 4096 // bytes, as PATH_MAX
)

// ErrBadPassword: a password with a control character (C0 such as NUL,
// tab, a line break, ESC or BEL; DEL; C1). Such a password cannot pass
// through a line-based hook, a CSV file or a prompt intact, and printed to a
// terminal it is a command to the terminal, so it is refused wherever a
// password enters. Errors are *PasswordCharError.
var ErrBadPassword = errors.New("the password holds a control character")

// PasswordCharError says where a password holds a control character: its
// position (in characters, from 1) and which one, never the password.
type PasswordCharError struct {
	Pos  int
	Char rune // the control character; utf8.RuneError for a raw C1 byte
}

func (e *PasswordCharError) Error() string {
	return fmt.Sprintf("the password holds a control character (%s) at character %d: terminals, hooks and files would act on it or cut it there; "+
		"choose one without control characters", controlName(e.Char), e.Pos)
}

func (e *PasswordCharError) Is(target error) bool { return target == ErrBadPassword }

// CheckPassword refuses a password that holds a control character. The
// error names the position, never the password.
func CheckPassword(pw string) error {
	if pos, r, ok := FirstControl(pw); ok {
		return &PasswordCharError{Pos: pos, Char: r}
	}
	return nil
}

// FirstControl finds the first control character in s: C0 (U+0000-001F),
// DEL, C1 (U+0080-009F, or such a byte alone, which an 8-bit terminal reads
// as C1). pos counts characters from 1.
func FirstControl(s string) (pos int, r rune, ok bool) {
	for i, c := range s {
		pos++
		switch {
		case c < 0x20, c == 0x7f, c >= 0x80 && c <= 0x9f:
			return pos, c, true
		case c == utf8.RuneError && s[i] >= 0x80 && s[i] <= 0x9f:
			return pos, utf8.RuneError, true
		}
	}
	return 0, 0, false
}

// controlName is how a person knows a control character.
func controlName(r rune) string {
	names := map[rune]string{0: "NUL", 7: "BEL", 8: "backspace", '\t': "tab", '\n': "line feed", '\r': "carriage return",
		0x1b: "ESC", 0x7f: "DEL", 0x9b: "CSI"}
	if n, ok := names[r]; ok {
		return n
	}
	if r == utf8.RuneError {
		return "a C1 control byte"
	}
	return fmt.Sprintf("U+%04X", r)
}

// validateFields checks what Validate's presence checks leave: printable
// text, caps, a host name or IP literal, hook variable names. Errors name
// the field, never quote its value (it may be long or hostile).
func validateFields(a *Account) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidAccount, fmt.Sprintf(format, args...))
	}
	switch {
	case !printable(a.Name, false):
		return bad("name holds a control, bidi or invalid character")
	case utf8.RuneCountInString(a.Name) > MaxNameLen:
		return bad("name is longer than %d characters", MaxNameLen)
	case !printable(a.Username, false):
		return bad("username holds a control, bidi or invalid character")
	case utf8.RuneCountInString(a.Username) > MaxUsernameLen:
		return bad("username is longer than %d characters", MaxUsernameLen)
	case !validHost(a.Host):
		return bad("host is not a host name or IP address (letters, digits, '-', '.', at most %d bytes)", MaxHostLen)
	case len(a.Tags) > MaxTags:
		return bad("more than %d tags", MaxTags)
	case !printable(a.Notes, true):
		return bad("notes hold a control, bidi or invalid character (newlines and tabs are fine)")
	case len(a.Notes) > MaxNotesLen:
		return bad("notes are longer than %d bytes", MaxNotesLen)
	case len(a.Hook) > MaxHookLen || len(a.After) > MaxHookLen:
		return bad("hook command is longer than %d bytes", MaxHookLen)
	case !utf8.ValidString(a.Hook) || !utf8.ValidString(a.After) || strings.ContainsRune(a.Hook+a.After, 0):
		return bad("hook command holds invalid UTF-8 or a NUL byte")
	case a.CAFile != "" && (!printable(a.CAFile, false) || len(a.CAFile) > MaxCAFileLen || !filepath.IsAbs(a.CAFile)):
		// It goes into mail clients' config files: no line break, no control.
		return bad("ca_file is not an absolute path of printable characters (at most %d bytes)", MaxCAFileLen)
	}
	for i, t := range a.Tags {
		if !printable(t, false) || strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > MaxTagLen {
			return bad("tag %d is empty, longer than %d characters or holds a control, bidi or invalid character", i+1, MaxTagLen)
		}
	}
	for i, n := range a.HookEnv {
		if !EnvName(n) {
			return bad("hook_env entry %d is not an environment variable name (letters, digits, '_')", i+1)
		}
	}
	if err := validateRecipeSettings(a); err != nil {
		return err
	}
	if a.Address != "" {
		if err := CheckAddress(a.Address); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidAccount, err)
		}
	}
	if e := a.SMTP; e != nil {
		if err := validateEndpoint(e); err != nil {
			return fmt.Errorf("%w: smtp %v", ErrInvalidAccount, err)
		}
	}
	if a.Password != "" {
		if err := CheckPassword(a.Password); err != nil {
			return err
		}
	}
	return nil
}

// CheckAddress accepts an e-mail address: local@domain, printable, no
// spaces or angle brackets (it goes into MAIL FROM:<...>), a domain that is
// a host name or an address literal, at most MaxAddressLen bytes. The error
// never quotes the address.
func CheckAddress(addr string) error {
	at := strings.LastIndexByte(addr, '@')
	switch {
	case len(addr) > MaxAddressLen:
		return fmt.Errorf("address is longer than %d bytes", MaxAddressLen)
	case !printable(addr, false) || strings.ContainsAny(addr, " \t<>,;\"()"):
		return errors.New("address holds a space, control, bidi or one of <>,;\"()")
	case at < 1 || at == len(addr)-1:
		return errors.New("address is not local@domain")
	case strings.ContainsAny(addr[:at], "[]"):
		return errors.New("address's local part holds [ or ]")
	case !validHost(addr[at+1:]):
		return errors.New("address's domain is not a host name")
	}
	return nil
}

// validateEndpoint checks an endpoint's fields and fills its port from its
// security (SMTP's defaults: 465, 587).
func validateEndpoint(e *Endpoint) error {
	if strings.TrimSpace(e.Host) == "" {
		return errors.New("host is required")
	}
	if !validHost(e.Host) {
		return fmt.Errorf("host is not a host name or IP address (letters, digits, '-', '.', at most %d bytes)", MaxHostLen)
	}
	sec, err := ParseSecurity(string(e.Security))
	if err != nil {
		return err
	}
	e.Security = sec
	if e.Port == 0 {
		e.Port = SMTPDefaultPort(sec)
	}
	if e.Port < 1 || e.Port > 65535 {
		return fmt.Errorf("port %d out of range 1-65535", e.Port)
	}
	if !printable(e.Username, false) || utf8.RuneCountInString(e.Username) > MaxUsernameLen {
		return fmt.Errorf("username holds a control, bidi or invalid character or is longer than %d characters", MaxUsernameLen)
	}
	return nil
}

// EnvName reports whether s is a portable environment variable name.
func EnvName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// printable: valid UTF-8 without C0/C1 controls, DEL or bidi formatting
// characters (newlines and tabs allowed when multiline). It matches
// internal/termtext.Safe, which vault may not import.
func printable(s string, multiline bool) bool {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false
			}
		case (r == '\n' || r == '\t') && multiline: // notes: lines and tabs are text
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
			return false
		case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return false
		}
	}
	return true
}

// validHost accepts an IP literal (optionally in brackets) or a host name
// whose labels are letters (any script, for IDNA names), digits, '-' and
// '_' (some internal names use it).
func validHost(h string) bool {
	if h == "" || len(h) > MaxHostLen {
		return false
	}
	if net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")) != nil {
		return true
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
				continue
			}
			return false
		}
	}
	return true
}
