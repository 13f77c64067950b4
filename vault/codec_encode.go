package vault

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// encoder appends the payload as json.Marshal writes it: fields in struct
// order, omitempty as encoding/json means it (a time.Time is a struct and
// never empty), strings HTML-escaped.
type encoder struct {
	b  []byte
	ok bool // false once a value cannot be encoded (a year past 9999)
}

func appendVault(b []byte, v *Vault) ([]byte, bool) {
	e := &encoder{b: b, ok: true}
	e.b = append(e.b, '{')
	e.int("version", int64(v.Version))
	e.field("accounts")
	if v.Accounts == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i, a := range v.Accounts {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.account(a)
		}
		e.b = append(e.b, ']')
	}
	e.field("recipients")
	if v.Recipients == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i := range v.Recipients {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.recipient(&v.Recipients[i])
		}
		e.b = append(e.b, ']')
	}
	e.field("settings")
	e.b = append(e.b, '{')
	e.intOmit("max_age_days", int64(v.Settings.MaxAgeDays))
	e.intOmit("backups", int64(v.Settings.Backups))
	e.intOmit("auto_lock_minutes", int64(v.Settings.AutoLockMinutes))
	e.b = append(e.b, '}')
	e.strOmit("strength_key", v.StrengthKey)
	e.strOmit("vault_key", v.VaultKey)
	if len(v.KeyHistory) > 0 {
		e.field("key_history")
		e.b = append(e.b, '[')
		for i, l := range v.KeyHistory {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, '{')
			e.str("key", l.Key)
			e.str("proof", l.Proof)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.intOmit("generation", v.Generation)
	e.strOmit("mac", v.MAC)
	e.b = append(e.b, '}')
	return e.b, e.ok
}

func (e *encoder) account(a *Account) {
	if a == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '{')
	e.str("id", a.ID)
	e.str("name", a.Name)
	e.str("host", a.Host)
	e.int("port", int64(a.Port))
	e.str("security", string(a.Security))
	e.str("username", a.Username)
	e.str("password", a.Password)
	e.time("created", a.Created)
	e.time("changed", a.Changed)
	e.time("modified", a.Modified)
	e.strings("tags", a.Tags)
	e.strOmit("notes", a.Notes)
	e.intOmit("max_age_days", int64(a.MaxAgeDays))
	if p := a.Policy; p != nil {
		e.field("policy")
		e.b = append(e.b, '{')
		e.intOmit("length", int64(p.Length))
		e.strOmit("classes", p.Classes)
		e.strOmit("exclude", p.Exclude)
		e.strOmit("source", p.Source)
		e.b = append(e.b, '}')
	}
	e.strOmit("hook", a.Hook)
	if len(a.History) > 0 {
		e.field("history")
		e.b = append(e.b, '[')
		for i, h := range a.History {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, '{')
			e.str("password", h.Password)
			e.time("set", h.Set)
			e.time("retired", h.Retired)
			e.strOmit("reason", h.Reason)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	if p := a.Pending; p != nil {
		e.field("pending")
		e.b = append(e.b, '{')
		e.str("password", p.Password)
		e.str("state", string(p.State))
		e.time("started", p.Started)
		e.time("updated", p.Updated)
		e.strOmit("note", p.Note)
		e.b = append(e.b, '}')
	}
	if c := a.LastCheck; c != nil {
		e.field("last_check")
		e.check(c)
	}
	if len(a.Accepted) > 0 {
		e.field("accepted")
		e.b = append(e.b, '[')
		for i, x := range a.Accepted {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, '{')
			e.str("kind", x.Kind)
			e.strOmit("note", x.Note)
			e.time("at", x.At)
			if x.Until != nil {
				e.time("until", *x.Until)
			}
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.strings("hook_env", a.HookEnv)
	e.strOmit("after", a.After)
	e.strOmit("auth", a.Auth)
	if o := a.OAuth; o != nil {
		e.field("oauth")
		e.b = append(e.b, '{')
		e.str("provider", o.Provider)
		e.strOmit("auth_url", o.AuthURL)
		e.strOmit("token_url", o.TokenURL)
		e.strOmit("device_url", o.DeviceURL)
		e.strOmit("revoke_url", o.RevokeURL)
		e.strOmit("client_id", o.ClientID)
		e.strOmit("client_secret", o.ClientSecret)
		e.strings("scopes", o.Scopes)
		e.strOmit("refresh_token", o.RefreshToken)
		e.strOmit("access_token", o.AccessToken)
		e.time("expiry", o.Expiry)
		e.time("refreshed", o.Refreshed)
		e.strOmit("issuer", o.Issuer)
		e.boolOmit("registered", o.Registered)
		e.strOmit("userinfo_url", o.UserinfoURL)
		e.strOmit("identity", o.Identity)
		e.b = append(e.b, '}')
	}
	if s := a.Strength; s != nil {
		e.field("strength")
		e.b = append(e.b, '{')
		e.int("score", int64(s.Score))
		e.str("fp", s.Fingerprint)
		e.b = append(e.b, '}')
	}
	e.strOmit("address", a.Address)
	if s := a.SMTP; s != nil {
		e.field("smtp")
		e.b = append(e.b, '{')
		e.str("host", s.Host)
		e.int("port", int64(s.Port))
		e.str("security", string(s.Security))
		e.strOmit("username", s.Username)
		e.b = append(e.b, '}')
	}
	e.strOmit("ca_file", a.CAFile)
	e.strings("recipe_settings", a.RecipeSettings)
	e.b = append(e.b, '}')
}

func (e *encoder) check(c *Check) {
	e.b = append(e.b, '{')
	e.time("at", c.At)
	e.str("status", c.Status)
	e.strOmit("code", c.Code)
	e.strOmit("error", c.Error)
	e.strOmit("alert", c.Alert)
	e.strOmit("greeting", c.Greeting)
	e.int("latency_ms", c.LatencyMS)
	e.intOmit("connect_ms", c.ConnectMS)
	e.intOmit("tls_ms", c.TLSMS)
	e.intOmit("greeting_ms", c.GreetingMS)
	e.intOmit("login_ms", c.LoginMS)
	if t := c.TLS; t != nil {
		e.field("tls")
		e.b = append(e.b, '{')
		e.str("version", t.Version)
		e.strOmit("subject", t.Subject)
		e.strOmit("issuer", t.Issuer)
		e.time("not_after", t.NotAfter)
		e.int("days_left", int64(t.DaysLeft))
		e.strOmit("verify_error", t.VerifyError)
		e.b = append(e.b, '}')
	}
	e.strings("capabilities", c.Capabilities)
	e.time("last_ok", c.LastOK)
	if c.SMTP != nil {
		e.field("smtp")
		e.check(c.SMTP)
	}
	if p := c.Posture; p != nil {
		e.field("posture")
		e.b = append(e.b, '{')
		e.time("at", p.At)
		if len(p.Findings) > 0 {
			e.field("findings")
			e.b = append(e.b, '[')
			for i, f := range p.Findings {
				if i > 0 {
					e.b = append(e.b, ',')
				}
				e.b = append(e.b, '{')
				e.str("kind", f.Kind)
				e.str("severity", f.Severity)
				e.str("endpoint", f.Endpoint)
				e.str("message", f.Message)
				e.b = append(e.b, '}')
			}
			e.b = append(e.b, ']')
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, '}')
}

func (e *encoder) recipient(r *Recipient) {
	e.b = append(e.b, '{')
	e.str("key", r.Key)
	e.strOmit("label", r.Label)
	e.time("added", r.Added)
	e.strOmit("added_by", r.AddedBy)
	if r.Removed != nil {
		e.time("removed", *r.Removed)
	}
	e.strOmit("removed_by", r.RemovedBy)
	e.b = append(e.b, '}')
}

// field writes a key, with the comma unless it is the object's first.
func (e *encoder) field(name string) {
	if e.b[len(e.b)-1] != '{' {
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':')
}

func (e *encoder) str(name, s string) {
	e.field(name)
	e.b = appendJSONString(e.b, s)
}

func (e *encoder) strOmit(name, s string) {
	if s != "" {
		e.str(name, s)
	}
}

func (e *encoder) int(name string, n int64) {
	e.field(name)
	e.b = strconv.AppendInt(e.b, n, 10)
}

func (e *encoder) intOmit(name string, n int64) {
	if n != 0 {
		e.int(name, n)
	}
}

func (e *encoder) boolOmit(name string, v bool) {
	if v {
		e.field(name)
		e.b = append(e.b, "true"...)
	}
}

// strings writes a []string field that has omitempty.
func (e *encoder) strings(name string, ss []string) {
	if len(ss) == 0 {
		return
	}
	e.field(name)
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendJSONString(e.b, s)
	}
	e.b = append(e.b, ']')
}

// time writes RFC 3339 with nanoseconds, as Time.MarshalJSON does.
func (e *encoder) time(name string, t time.Time) {
	e.field(name)
	e.b = append(e.b, '"')
	if y := t.Year(); t.Location() == time.UTC && y >= 0 && y <= 9999 {
		e.b = appendUTC(e.b, t)
	} else {
		b, err := t.AppendText(e.b) // other zones, and the error for years past 9999
		if err != nil {
			e.ok = false
			return
		}
		e.b = b
	}
	e.b = append(e.b, '"')
}

// appendUTC is Time.AppendText for a UTC time with a four-digit year,
// written out because the general formatter took a third of the
// encoder's time.
func appendUTC(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping:
// <, >, & and control bytes as \u00XX, U+2028 and U+2029 escaped, invalid
// UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
