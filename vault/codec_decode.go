package vault

import "unsafe"

// decoder reads the payload the encoder writes. Anything else - whatever
// encoding/json might treat differently or reject - sets bad, and the
// caller hands the payload to encoding/json instead.
type decoder struct {
	d   []byte
	s   string // d as one string: field values are slices of it, not one allocation each
	i   int
	bad bool
}

// parseVault decodes data into a vault whose strings are substrings of one
// copy of data.
func parseVault(data []byte) (*Vault, bool) { return parseVaultFrom(data, string(data)) }

// parseVaultShared decodes data into a vault whose strings share data's
// memory instead of a copy of it: the caller hands data over and must never
// change or clear it. A 10,000-account vault is megabytes, and a fresh
// process pays for each new page it touches; one copy of the plaintext in
// memory instead of two is also one fewer copy of every password.
func parseVaultShared(data []byte) (*Vault, bool) {
	return parseVaultFrom(data, unsafe.String(unsafe.SliceData(data), len(data)))
}

func parseVaultFrom(data []byte, s string) (*Vault, bool) {
	p := &decoder{d: data, s: s}
	v := new(Vault)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "version":
			v.Version = p.intField()
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
					s.MaxAgeDays = p.intField()
					return 1 << 0
				case "backups":
					s.Backups = p.intField()
					return 1 << 1
				case "auto_lock_minutes":
					s.AutoLockMinutes = p.intField()
					return 1 << 2
				}
				return 0
			})
			return 1 << 3
		case "strength_key":
			v.StrengthKey = p.str()
			return 1 << 4
		case "vault_key":
			v.VaultKey = p.str()
			return 1 << 5
		case "key_history":
			if p.null() {
				v.KeyHistory = nil
			} else {
				v.KeyHistory = []KeyLink{}
				p.array(func() { v.KeyHistory = append(v.KeyHistory, p.keyLink()) })
			}
			return 1 << 6
		case "generation":
			v.Generation = p.int()
			return 1 << 8
		case "mac":
			v.MAC = p.str()
			return 1 << 7
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
			a.Port = p.intField()
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
			a.MaxAgeDays = p.intField()
			return 1 << 12
		case "policy":
			if !p.null() {
				x := new(PasswordPolicy)
				p.object(func(k []byte) uint64 {
					switch string(k) {
					case "length":
						x.Length = p.intField()
						return 1 << 0
					case "classes":
						x.Classes = p.str()
						return 1 << 1
					case "exclude":
						x.Exclude = p.str()
						return 1 << 2
					case "source":
						x.Source = p.str()
						return 1 << 3
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
		case "hook_env":
			a.HookEnv = p.strings()
			return 1 << 19
		case "after":
			a.After = p.str()
			return 1 << 20
		case "auth":
			a.Auth = p.str()
			return 1 << 21
		case "oauth":
			if !p.null() {
				a.OAuth = p.oauth()
			}
			return 1 << 22
		case "strength":
			if !p.null() {
				a.Strength = p.strength()
			}
			return 1 << 23
		case "address":
			a.Address = p.str()
			return 1 << 24
		case "smtp":
			if !p.null() {
				a.SMTP = p.endpoint()
			}
			return 1 << 25
		case "ca_file":
			a.CAFile = p.str()
			return 1 << 26
		case "recipe_settings":
			a.RecipeSettings = p.strings()
			return 1 << 27
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
		case "last_ok":
			c.LastOK = p.time()
			return 1 << 13
		case "smtp":
			if !p.null() {
				c.SMTP = p.check()
			}
			return 1 << 14
		case "posture":
			if !p.null() {
				c.Posture = p.posture()
			}
			return 1 << 15
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
			t.DaysLeft = p.intField()
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

func (p *decoder) oauth() *OAuth {
	x := new(OAuth)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "provider":
			x.Provider = p.str()
			return 1 << 0
		case "auth_url":
			x.AuthURL = p.str()
			return 1 << 1
		case "token_url":
			x.TokenURL = p.str()
			return 1 << 2
		case "device_url":
			x.DeviceURL = p.str()
			return 1 << 3
		case "revoke_url":
			x.RevokeURL = p.str()
			return 1 << 4
		case "client_id":
			x.ClientID = p.str()
			return 1 << 5
		case "client_secret":
			x.ClientSecret = p.str()
			return 1 << 6
		case "scopes":
			x.Scopes = p.strings()
			return 1 << 7
		case "refresh_token":
			x.RefreshToken = p.str()
			return 1 << 8
		case "access_token":
			x.AccessToken = p.str()
			return 1 << 9
		case "expiry":
			x.Expiry = p.time()
			return 1 << 10
		case "refreshed":
			x.Refreshed = p.time()
			return 1 << 11
		case "issuer":
			x.Issuer = p.str()
			return 1 << 12
		case "registered":
			x.Registered = p.boolean()
			return 1 << 13
		case "userinfo_url":
			x.UserinfoURL = p.str()
			return 1 << 14
		case "identity":
			x.Identity = p.str()
			return 1 << 15
		}
		return 0
	})
	return x
}

func (p *decoder) strength() *Strength {
	x := new(Strength)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "score":
			x.Score = p.intField()
			return 1 << 0
		case "fp":
			x.Fingerprint = p.str()
			return 1 << 1
		}
		return 0
	})
	return x
}

func (p *decoder) keyLink() (l KeyLink) {
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "key":
			l.Key = p.str()
			return 1 << 0
		case "proof":
			l.Proof = p.str()
			return 1 << 1
		}
		return 0
	})
	return l
}

func (p *decoder) endpoint() *Endpoint {
	x := new(Endpoint)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "host":
			x.Host = p.str()
			return 1 << 0
		case "port":
			x.Port = p.intField()
			return 1 << 1
		case "security":
			x.Security = Security(p.str())
			return 1 << 2
		case "username":
			x.Username = p.str()
			return 1 << 3
		}
		return 0
	})
	return x
}

func (p *decoder) posture() *Posture {
	x := new(Posture)
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "at":
			x.At = p.time()
			return 1 << 0
		case "findings":
			if p.null() {
				x.Findings = nil
			} else {
				x.Findings = []PostureFinding{}
				p.array(func() { x.Findings = append(x.Findings, p.postureFinding()) })
			}
			return 1 << 1
		}
		return 0
	})
	return x
}

func (p *decoder) postureFinding() (f PostureFinding) {
	p.object(func(k []byte) uint64 {
		switch string(k) {
		case "kind":
			f.Kind = p.str()
			return 1 << 0
		case "severity":
			f.Severity = p.str()
			return 1 << 1
		case "endpoint":
			f.Endpoint = p.str()
			return 1 << 2
		case "message":
			f.Message = p.str()
			return 1 << 3
		}
		return 0
	})
	return f
}
