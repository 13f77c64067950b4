package vault

import (
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder reads the payload the encoder writes. Anything else - whatever
// encoding/json might treat differently or reject - sets bad, and the
// caller hands the payload to encoding/json instead.
type decoder struct {
	d   []byte
	s   string // d as one string: field values are slices of it, not one allocation each
	i   int
	bad bool
}

func parseVault(data []byte) (*Vault, bool) {
	p := &decoder{d: data, s: string(data)}
	v := new(Vault)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "version":
			v.Version = int(p.int())
			return 1 << 0
		case "accounts":
			if p.null() {
				v.Accounts = nil
			} else {
				// Our accounts take 300-500 bytes of JSON each, so this
				// rarely regrows.
				v.Accounts = make([]*Account, 0, len(p.d)/256+1)
				p.array(func() { v.Accounts = append(v.Accounts, p.account()) })
			}
			return 1 << 1
		case "recipients":
			if p.null() {
				v.Recipients = nil
			} else {
				v.Recipients = []Recipient{}
				p.array(func() { v.Recipients = append(v.Recipients, p.recipient()) })
			}
			return 1 << 2
		case "settings":
			s := &v.Settings
			p.object(func(k []byte) uint64 {
				switch string(k) {
				case "max_age_days":
					s.MaxAgeDays = int(p.int())
					return 1 << 0
				case "backups":
					s.Backups = int(p.int())
					return 1 << 1
				case "auto_lock_minutes":
					s.AutoLockMinutes = int(p.int())
					return 1 << 2
				}
				return 0
			})
			return 1 << 3
		}
		return 0
	})
	p.ws()
	if p.bad || p.i != len(p.d) {
		return nil, false
	}
	return v, true
}

func (p *decoder) account() *Account {
	a := new(Account)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "id":
			a.ID = p.str()
			return 1 << 0
		case "name":
			a.Name = p.str()
			return 1 << 1
		case "host":
			a.Host = p.str()
			return 1 << 2
		case "port":
			a.Port = int(p.int())
			return 1 << 3
		case "security":
			a.Security = Security(p.str())
			return 1 << 4
		case "username":
			a.Username = p.str()
			return 1 << 5
		case "password":
			a.Password = p.str()
			return 1 << 6
		case "created":
			a.Created = p.time()
			return 1 << 7
		case "changed":
			a.Changed = p.time()
			return 1 << 8
		case "modified":
			a.Modified = p.time()
			return 1 << 9
		case "tags":
			a.Tags = p.strings()
			return 1 << 10
		case "notes":
			a.Notes = p.str()
			return 1 << 11
		case "max_age_days":
			a.MaxAgeDays = int(p.int())
			return 1 << 12
		case "policy":
			if !p.null() {
				x := new(PasswordPolicy)
				p.object(func(k []byte) uint64 {
					switch string(k) {
					case "length":
						x.Length = int(p.int())
						return 1 << 0
					case "classes":
						x.Classes = p.str()
						return 1 << 1
					case "exclude":
						x.Exclude = p.str()
						return 1 << 2
					}
					return 0
				})
				a.Policy = x
			}
			return 1 << 13
		case "hook":
			a.Hook = p.str()
			return 1 << 14
		case "history":
			if p.null() {
				a.History = nil
			} else {
				a.History = []RetiredPassword{}
				p.array(func() { a.History = append(a.History, p.retired()) })
			}
			return 1 << 15
		case "pending":
			if !p.null() {
				a.Pending = p.pending()
			}
			return 1 << 16
		case "last_check":
			if !p.null() {
				a.LastCheck = p.check()
			}
			return 1 << 17
		case "accepted":
			if p.null() {
				a.Accepted = nil
			} else {
				a.Accepted = []Acceptance{}
				p.array(func() { a.Accepted = append(a.Accepted, p.acceptance()) })
			}
			return 1 << 18
		}
		return 0
	})
	return a
}

func (p *decoder) retired() (r RetiredPassword) {
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "password":
			r.Password = p.str()
			return 1 << 0
		case "set":
			r.Set = p.time()
			return 1 << 1
		case "retired":
			r.Retired = p.time()
			return 1 << 2
		case "reason":
			r.Reason = p.str()
			return 1 << 3
		}
		return 0
	})
	return r
}

func (p *decoder) pending() *Pending {
	x := new(Pending)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "password":
			x.Password = p.str()
			return 1 << 0
		case "state":
			x.State = PendingState(p.str())
			return 1 << 1
		case "started":
			x.Started = p.time()
			return 1 << 2
		case "updated":
			x.Updated = p.time()
			return 1 << 3
		case "note":
			x.Note = p.str()
			return 1 << 4
		}
		return 0
	})
	return x
}

func (p *decoder) check() *Check {
	c := new(Check)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "at":
			c.At = p.time()
			return 1 << 0
		case "status":
			c.Status = p.str()
			return 1 << 1
		case "code":
			c.Code = p.str()
			return 1 << 2
		case "error":
			c.Error = p.str()
			return 1 << 3
		case "alert":
			c.Alert = p.str()
			return 1 << 4
		case "greeting":
			c.Greeting = p.str()
			return 1 << 5
		case "latency_ms":
			c.LatencyMS = p.int()
			return 1 << 6
		case "connect_ms":
			c.ConnectMS = p.int()
			return 1 << 7
		case "tls_ms":
			c.TLSMS = p.int()
			return 1 << 8
		case "greeting_ms":
			c.GreetingMS = p.int()
			return 1 << 9
		case "login_ms":
			c.LoginMS = p.int()
			return 1 << 10
		case "tls":
			if !p.null() {
				c.TLS = p.tlsInfo()
			}
			return 1 << 11
		case "capabilities":
			c.Capabilities = p.strings()
			return 1 << 12
		}
		return 0
	})
	return c
}

func (p *decoder) tlsInfo() *TLSInfo {
	t := new(TLSInfo)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "version":
			t.Version = p.str()
			return 1 << 0
		case "subject":
			t.Subject = p.str()
			return 1 << 1
		case "issuer":
			t.Issuer = p.str()
			return 1 << 2
		case "not_after":
			t.NotAfter = p.time()
			return 1 << 3
		case "days_left":
			t.DaysLeft = int(p.int())
			return 1 << 4
		case "verify_error":
			t.VerifyError = p.str()
			return 1 << 5
		}
		return 0
	})
	return t
}

func (p *decoder) acceptance() (x Acceptance) {
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "kind":
			x.Kind = p.str()
			return 1 << 0
		case "note":
			x.Note = p.str()
			return 1 << 1
		case "at":
			x.At = p.time()
			return 1 << 2
		case "until":
			x.Until = p.timePtr()
			return 1 << 3
		}
		return 0
	})
	return x
}

func (p *decoder) recipient() (r Recipient) {
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "key":
			r.Key = p.str()
			return 1 << 0
		case "label":
			r.Label = p.str()
			return 1 << 1
		case "added":
			r.Added = p.time()
			return 1 << 2
		case "added_by":
			r.AddedBy = p.str()
			return 1 << 3
		case "removed":
			r.Removed = p.timePtr()
			return 1 << 4
		case "removed_by":
			r.RemovedBy = p.str()
			return 1 << 5
		}
		return 0
	})
	return r
}

// object reads {"key": value, ...}. field reads the value of a key it
// knows and returns that key's bit; 0 (unknown) or a bit seen before
// (duplicate) gives up.
func (p *decoder) object(field func(key []byte) uint64) {
	if !p.eat('{') {
		p.bad = true
		return
	}
	if p.eat('}') {
		return
	}
	var seen uint64
	for !p.bad {
		k := p.key()
		if p.bad {
			return
		}
		bit := field(k)
		if bit == 0 || seen&bit != 0 {
			p.bad = true
			return
		}
		seen |= bit
		if p.eat(',') {
			continue
		}
		if !p.eat('}') {
			p.bad = true
		}
		return
	}
}

// array reads [elem, ...]; elem reads one element. Null elements give up.
func (p *decoder) array(elem func()) {
	if !p.eat('[') {
		p.bad = true
		return
	}
	if p.eat(']') {
		return
	}
	for !p.bad {
		if p.null() {
			p.bad = true
			return
		}
		elem()
		if p.eat(',') {
			continue
		}
		if !p.eat(']') {
			p.bad = true
		}
		return
	}
}

// key reads "key": with no escapes and no bytes outside ASCII.
func (p *decoder) key() []byte {
	if !p.eat('"') {
		p.bad = true
		return nil
	}
	start := p.i
	for p.i < len(p.d) {
		c := p.d[p.i]
		if c == '"' {
			k := p.d[start:p.i]
			p.i++
			if !p.eat(':') {
				p.bad = true
			}
			return k
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
		p.i++
	}
	p.bad = true
	return nil
}

func (p *decoder) ws() {
	for p.i < len(p.d) {
		switch p.d[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *decoder) eat(c byte) bool {
	p.ws()
	if p.i < len(p.d) && p.d[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *decoder) null() bool {
	p.ws()
	if len(p.d)-p.i >= 4 && string(p.d[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// int reads an integer without fraction or exponent, small enough to
// need no overflow check.
func (p *decoder) int() int64 {
	p.ws()
	neg := p.i < len(p.d) && p.d[p.i] == '-'
	if neg {
		p.i++
	}
	start := p.i
	var n int64
	for p.i < len(p.d) && p.d[p.i] >= '0' && p.d[p.i] <= '9' {
		n = n*10 + int64(p.d[p.i]-'0')
		p.i++
	}
	digits := p.i - start
	if digits == 0 || digits > 18 || (digits > 1 && p.d[start] == '0') {
		p.bad = true
		return 0
	}
	if p.i < len(p.d) {
		if c := p.d[p.i]; c == '.' || c == 'e' || c == 'E' {
			p.bad = true
			return 0
		}
	}
	if neg {
		n = -n
	}
	return n
}

// str reads a string; the common case without escapes costs no copy.
func (p *decoder) str() string {
	if !p.eat('"') {
		p.bad = true
		return ""
	}
	start := p.i
	ascii := true
	for p.i < len(p.d) {
		c := p.d[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			if !ascii && !utf8.ValidString(s) {
				p.bad = true
				return ""
			}
			return s
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			p.bad = true
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	p.bad = true
	return ""
}

func (p *decoder) strEscaped(start int) string {
	buf := append([]byte(nil), p.d[start:p.i]...)
	for p.i < len(p.d) {
		c := p.d[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				p.bad = true
				return ""
			}
			return string(buf)
		case c < 0x20:
			p.bad = true
			return ""
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.d) {
			break
		}
		e := p.d[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r := p.hex4()
			if utf16.IsSurrogate(r) {
				// Only a high surrogate followed by a low one; a lone half
				// is left to encoding/json, which writes U+FFFD.
				if r >= 0xDC00 || !(p.i+1 < len(p.d) && p.d[p.i] == '\\' && p.d[p.i+1] == 'u') {
					p.bad = true
					return ""
				}
				p.i += 2
				r = utf16.DecodeRune(r, p.hex4())
				if r == utf8.RuneError {
					p.bad = true
					return ""
				}
			}
			if p.bad {
				return ""
			}
			buf = utf8.AppendRune(buf, r)
		default:
			p.bad = true
			return ""
		}
	}
	p.bad = true
	return ""
}

func (p *decoder) hex4() rune {
	if len(p.d)-p.i < 4 {
		p.bad = true
		return 0
	}
	var r rune
	for _, c := range p.d[p.i : p.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			p.bad = true
			return 0
		}
		r = r<<4 | rune(c)
	}
	p.i += 4
	return r
}

// strings reads a []string; [] is an empty, non-nil slice, as
// encoding/json makes it.
func (p *decoder) strings() []string {
	if p.null() {
		return nil
	}
	out := make([]string, 0, 2) // tags and capabilities are short lists
	p.array(func() { out = append(out, p.str()) })
	return out
}

// time reads an RFC 3339 string the way Time.UnmarshalJSON does, which
// takes the bytes between the quotes as they are.
func (p *decoder) time() time.Time {
	if !p.eat('"') {
		p.bad = true
		return time.Time{}
	}
	start := p.i
	for p.i < len(p.d) && p.d[p.i] != '"' {
		if c := p.d[p.i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			p.bad = true
			return time.Time{}
		}
		p.i++
	}
	if p.i >= len(p.d) {
		p.bad = true
		return time.Time{}
	}
	var t time.Time
	err := t.UnmarshalText(p.d[start:p.i])
	p.i++
	if err != nil {
		p.bad = true
	}
	return t
}

func (p *decoder) timePtr() *time.Time {
	if p.null() {
		return nil
	}
	t := p.time()
	return &t
}
