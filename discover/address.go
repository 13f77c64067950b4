package discover

import (
	"fmt"
	"net"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// address is a parsed e-mail address: the local part as given, the domain
// in lower-case ASCII (IDNA), for DNS and URLs.
type address struct {
	full, local, domain string
}

// parseAddress accepts local@domain. Display names and comments are not
// addresses here: the person types the address itself.
func parseAddress(s string) (address, error) {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return address{}, fmt.Errorf("%w: %q (want name@domain)", ErrInvalidAddress, s)
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if len(local) > 64 || strings.IndexFunc(local, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return address{}, fmt.Errorf("%w: %q (the part before @ is too long or holds spaces)", ErrInvalidAddress, s)
	}
	ascii, err := idna.Lookup.ToASCII(domain)
	if err != nil || !validHost(ascii) || !strings.Contains(ascii, ".") || net.ParseIP(ascii) != nil {
		return address{}, fmt.Errorf("%w: %q (the domain %q is not a DNS name)", ErrInvalidAddress, s, domain)
	}
	ascii = strings.ToLower(ascii)
	return address{full: local + "@" + ascii, local: local, domain: ascii}, nil
}

// fill replaces the draft's placeholders.
func (a address) fill(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	return strings.NewReplacer("%EMAILADDRESS%", a.full, "%EMAILLOCALPART%", a.local, "%EMAILDOMAIN%", a.domain).Replace(s)
}

// validHost accepts a DNS name (letters, digits, '-', '_' and dots; labels
// of 1-63, 253 in all) or an IP address. Anything else in a hostname from
// a file (a slash, a colon, a space, a control) is refused.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
