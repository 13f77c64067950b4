// Package vault holds the imapvault data model and its encrypted file:
// accounts with their password history, pending rotations and last checks,
// the age recipients the vault is encrypted to, and settings.
package vault

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// FormatVersion is the payload version this build writes and understands.
const FormatVersion = 1

// Security says how a client talks to an account's IMAP server.
type Security string

const (
	TLS      Security = "tls"      // implicit TLS, port 993 (RFC 8314)
	STARTTLS Security = "starttls" // port 143, upgrade required, never downgraded
	Insecure Security = "insecure" // cleartext, only when the account says so
)

// ParseSecurity accepts the names used on the command line and in CSV files.
// An empty string means the default, implicit TLS.
func ParseSecurity(s string) (Security, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "tls", "ssl", "imaps":
		return TLS, nil
	case "starttls":
		return STARTTLS, nil
	case "insecure", "plain", "none":
		return Insecure, nil
	}
	return "", fmt.Errorf("unknown security %q (want tls, starttls or insecure)", s)
}

// DefaultPort is the port an account uses when none is given.
func (s Security) DefaultPort() int {
	if s == TLS || s == "" {
		return 993
	}
	return 143
}

// SecurityOrDefault is the account's security, TLS when none is set.
func (a *Account) SecurityOrDefault() Security {
	if a.Security == "" {
		return TLS
	}
	return a.Security
}

// PortOrDefault is the account's port, its security's default when none
// is set.
func (a *Account) PortOrDefault() int {
	if a.Port == 0 {
		return a.SecurityOrDefault().DefaultPort()
	}
	return a.Port
}

// Vault is the decrypted payload. A field added to any type below goes
// into codec.go (codecFields), codec_encode.go and codec_decode.go too, and
// into clone.go; TestCodecKnowsTheModel and TestCloneCoversEveryField
// fail until it does.
type Vault struct {
	Version    int         `json:"version"`
	Accounts   []*Account  `json:"accounts"`
	Recipients []Recipient `json:"recipients"`
	Settings   Settings    `json:"settings"`
	// StrengthKey (hex) keys the fingerprints of cached strength scores.
	StrengthKey string `json:"strength_key,omitempty"`

	// VaultKey (hex, 32 random bytes) authenticates the payload: MAC is
	// HMAC-SHA256 under a key derived from it (see auth.go). KeyHistory
	// proves each earlier key handed over to the next, so a member who
	// knew an older key accepts a rotation. MAC stays the last field.
	VaultKey   string    `json:"vault_key,omitempty"`
	KeyHistory []KeyLink `json:"key_history,omitempty"`
	// Generation counts saves. It sits inside the authenticated payload, so
	// an older authentic copy handed back by a shared folder (old passwords,
	// a removed member still a recipient) is told apart from the newest one.
	Generation int64  `json:"generation,omitempty"`
	MAC        string `json:"mac,omitempty"`
}

// KeyLink is one retired vault key and its proof (an HMAC under it) of
// the key that replaced it.
type KeyLink struct {
	Key   string `json:"key"`
	Proof string `json:"proof"`
}

// Settings apply to the whole vault.
type Settings struct {
	MaxAgeDays      int `json:"max_age_days,omitempty"`      // stale after this; 0 means 365
	Backups         int `json:"backups,omitempty"`           // encrypted backups kept; 0 means 5
	AutoLockMinutes int `json:"auto_lock_minutes,omitempty"` // TUI idle lock; 0 means 10
}

// Defaults for zero settings.
const (
	DefaultMaxAgeDays      = 365
	DefaultBackups         = 5
	DefaultAutoLockMinutes = 10
)

// MaxAge is the vault-wide maximum password age.
func (s Settings) MaxAge() time.Duration {
	d := s.MaxAgeDays
	if d <= 0 {
		d = DefaultMaxAgeDays
	}
	return time.Duration(d) * 24 * time.Hour
}

// Account is one IMAP mailbox credential.
type Account struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Host     string    `json:"host"`
	Port     int       `json:"port"`
	Security Security  `json:"security"`
	Username string    `json:"username"`
	Password string    `json:"password"`
	Created  time.Time `json:"created"`
	// Changed is when the password last changed; staleness counts from here,
	// never from Modified.
	Changed  time.Time `json:"changed"`
	Modified time.Time `json:"modified"` // last edit of any field
	Tags     []string  `json:"tags,omitempty"`
	Notes    string    `json:"notes,omitempty"`

	MaxAgeDays int             `json:"max_age_days,omitempty"` // overrides Settings.MaxAgeDays
	Policy     *PasswordPolicy `json:"policy,omitempty"`       // generator limits for this provider
	// Hook is the account's rotation command (run as sh -c), used when
	// rotate is given none: it sets the new password at the provider.
	Hook string `json:"hook,omitempty"`

	History   []RetiredPassword `json:"history,omitempty"`
	Pending   *Pending          `json:"pending,omitempty"`
	LastCheck *Check            `json:"last_check,omitempty"`
	Accepted  []Acceptance      `json:"accepted,omitempty"`

	// HookEnv names extra environment variables (names only, never values)
	// that hooks and the after command receive beyond the allow-list.
	HookEnv []string `json:"hook_env,omitempty"`
	// After runs (sh -c) once a new password is committed, with the hook
	// environment and no secret on stdin: restart a sync timer, reload a client.
	After string `json:"after,omitempty"`
	// Auth is the credential kind: "" (password) or AuthOAuth2.
	Auth  string `json:"auth,omitempty"`
	OAuth *OAuth `json:"oauth,omitempty"` // set when Auth is AuthOAuth2
	// Strength is the audit's cached strength score of Password; valid
	// only while its fingerprint matches (see Strength).
	Strength *Strength `json:"strength,omitempty"`

	// Address is the account's e-mail address: the From of its clients and
	// the sender and recipient of the SMTP probe. Empty when not known.
	Address string `json:"address,omitempty"`
	// SMTP is the account's submission server, nil when it has none. It
	// logs in with the account's credential (password or OAuth2 token).
	SMTP *Endpoint `json:"smtp,omitempty"`
	// CAFile is the absolute path of a PEM file whose certificates are
	// trusted, beside the system's roots, for this account's IMAP and SMTP
	// servers (a private CA). Only the path is stored; "" is none.
	CAFile string `json:"ca_file,omitempty"`
	// RecipeSettings are the settings of the account's recipe:NAME hook as
	// IMAPVAULT_RECIPE_X=value entries, given to the recipe when it runs.
	// They are paths, URLs and names, never a secret: a recipe reads its
	// credentials from the 0600 files they name.
	RecipeSettings []string `json:"recipe_settings,omitempty"`
}

// Credential kinds (Account.Auth).
const (
	AuthPassword = ""       // a password (the default)
	AuthOAuth2   = "oauth2" // an OAuth2 refresh token; Password is unused
)

// IsOAuth2 reports whether the account logs in with OAuth2.
func (a *Account) IsOAuth2() bool { return a.Auth == AuthOAuth2 }

// OAuth holds an OAuth2 account's client and tokens. ClientSecret,
// RefreshToken and AccessToken are secrets, with the same rules as a password.
type OAuth struct {
	Provider     string    `json:"provider"` // google, microsoft or custom
	AuthURL      string    `json:"auth_url,omitempty"`
	TokenURL     string    `json:"token_url,omitempty"`
	DeviceURL    string    `json:"device_url,omitempty"`
	RevokeURL    string    `json:"revoke_url,omitempty"`
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
	Scopes       []string  `json:"scopes,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	Expiry       time.Time `json:"expiry"`    // of AccessToken
	Refreshed    time.Time `json:"refreshed"` // last use of RefreshToken (idle expiry)
	// Issuer is the authorization server's issuer URL when the endpoints
	// came from its RFC 8414 / OpenID metadata.
	Issuer string `json:"issuer,omitempty"`
	// Registered says ClientID came from RFC 7591 dynamic registration at
	// Issuer (a public client, no secret), so it is ours to reuse.
	Registered  bool   `json:"registered,omitempty"`
	UserinfoURL string `json:"userinfo_url,omitempty"`
	// Identity is who authorises the account when it is not its username
	// or address: a delegate reaching a shared mailbox with a token of
	// their own. The login refuses a consent by anyone else.
	Identity string `json:"identity,omitempty"`
}

// Strength is a cached strength score and a keyed fingerprint (HMAC under
// Vault.StrengthKey) of what it was computed from: password, username and
// host. Any change to those invalidates it.
type Strength struct {
	Score       int    `json:"score"`
	Fingerprint string `json:"fp"`
}

// Addr is host:port for dialing and display.
func (a *Account) Addr() string { return fmt.Sprintf("%s:%d", a.Host, a.Port) }

// MaxAge is the account's maximum password age, its own or the vault's.
func (a *Account) MaxAge(s Settings) time.Duration {
	if a.MaxAgeDays > 0 {
		return time.Duration(a.MaxAgeDays) * 24 * time.Hour
	}
	return s.MaxAge()
}

// PasswordPolicy limits generated passwords, since some providers limit
// length or symbols.
type PasswordPolicy struct {
	Length  int    `json:"length,omitempty"`
	Classes string `json:"classes,omitempty"` // subset of "ulds": upper, lower, digits, symbols
	Exclude string `json:"exclude,omitempty"` // characters never used
	// Source is who makes new passwords: "" (we generate them) or
	// SourceProvider (the provider does; rotate asks for a paste).
	Source string `json:"source,omitempty"`
}

// SourceProvider marks a provider that generates passwords itself (app
// passwords, web panels).
const SourceProvider = "provider"

// RetiredPassword is a password the account no longer uses, kept so that
// nothing is ever lost.
type RetiredPassword struct {
	Password string    `json:"password"`
	Set      time.Time `json:"set,omitempty"` // when it became current, if known
	Retired  time.Time `json:"retired"`
	Reason   string    `json:"reason,omitempty"` // "rotated", "edited", "aborted rotation"
}

// PendingState is how far a rotation got.
type PendingState string

const (
	PendingSaved    PendingState = "pending"  // generated and saved, not yet at the provider
	PendingApplied  PendingState = "applied"  // the hook or the user set it at the provider
	PendingVerified PendingState = "verified" // a login with it succeeded; commit is next
)

// Pending is a rotation in progress. The old password stays current until
// the new one is verified and committed.
type Pending struct {
	Password string       `json:"password"`
	State    PendingState `json:"state"`
	Started  time.Time    `json:"started"`
	Updated  time.Time    `json:"updated"`
	Note     string       `json:"note,omitempty"` // last error, for the person resuming
}

// Check is the stored outcome of the last login check.
type Check struct {
	At           time.Time `json:"at"`
	Status       string    `json:"status"`
	Code         string    `json:"code,omitempty"`
	Error        string    `json:"error,omitempty"` // the server's words; empty when ok
	Alert        string    `json:"alert,omitempty"`
	Greeting     string    `json:"greeting,omitempty"`
	LatencyMS    int64     `json:"latency_ms"`
	ConnectMS    int64     `json:"connect_ms,omitempty"`
	TLSMS        int64     `json:"tls_ms,omitempty"`
	GreetingMS   int64     `json:"greeting_ms,omitempty"`
	LoginMS      int64     `json:"login_ms,omitempty"`
	TLS          *TLSInfo  `json:"tls,omitempty"`
	Capabilities []string  `json:"capabilities,omitempty"`
	// LastOK is when the account last logged in, this check or an earlier
	// one (zero: never seen); lastcheck.Store carries it forward.
	LastOK time.Time `json:"last_ok,omitempty"`
	// SMTP is the check of the account's SMTP endpoint made with this one
	// (its own SMTP and Posture stay nil); nil when it has none.
	SMTP *Check `json:"smtp,omitempty"`
	// Posture is the last posture probe of the account's endpoints
	// (check --posture); carried forward by checks that make none.
	Posture *Posture `json:"posture,omitempty"`
}

// Posture is what a posture probe found on the path a credential travels.
type Posture struct {
	At       time.Time        `json:"at"`
	Findings []PostureFinding `json:"findings,omitempty"`
}

// PostureFinding is one weakness of one endpoint (kinds: cleartext_auth,
// old_tls, weak_cipher, starttls_injection, starttls_only, cert_hostname,
// cert_chain, cert_key, cert_expiring, basic_auth_sunset).
type PostureFinding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Endpoint string `json:"endpoint"` // "imap host:port" or "smtp host:port"
	Message  string `json:"message"`
}

// TLSInfo describes the server's certificate as seen at the last check.
type TLSInfo struct {
	Version     string    `json:"version"`
	Subject     string    `json:"subject,omitempty"`
	Issuer      string    `json:"issuer,omitempty"`
	NotAfter    time.Time `json:"not_after"`
	DaysLeft    int       `json:"days_left"`
	VerifyError string    `json:"verify_error,omitempty"`
}

// Acceptance silences one audit finding kind for one account.
type Acceptance struct {
	Kind  string     `json:"kind"`
	Note  string     `json:"note,omitempty"`
	At    time.Time  `json:"at"`
	Until *time.Time `json:"until,omitempty"` // nil: until withdrawn
}

// Active reports whether the acceptance still applies at now.
func (a Acceptance) Active(now time.Time) bool {
	return a.Until == nil || now.Before(*a.Until)
}

// Recipient is one age recipient the vault is (or was) encrypted to.
type Recipient struct {
	Key       string     `json:"key"`
	Label     string     `json:"label,omitempty"`
	Added     time.Time  `json:"added"`
	AddedBy   string     `json:"added_by,omitempty"`
	Removed   *time.Time `json:"removed,omitempty"`
	RemovedBy string     `json:"removed_by,omitempty"`
}

// New returns an empty vault of the current version.
func New() *Vault { return &Vault{Version: FormatVersion} }

// ActiveRecipients are the recipients a save encrypts to.
func (v *Vault) ActiveRecipients() []Recipient {
	var out []Recipient
	for _, r := range v.Recipients {
		if r.Removed == nil {
			out = append(out, r)
		}
	}
	return out
}

// Find returns the account with the given name (case-insensitive), or nil.
func (v *Vault) Find(name string) *Account {
	for _, a := range v.Accounts {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// FindID returns the account with the given id, or nil.
func (v *Vault) FindID(id string) *Account {
	for _, a := range v.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// Add validates a and appends it, filling the id, port and dates.
func (v *Vault) Add(a *Account, now time.Time) error {
	if err := Validate(a); err != nil {
		return err
	}
	if v.Find(a.Name) != nil {
		return fmt.Errorf("account %q: %w", a.Name, ErrDuplicateName)
	}
	v.insert(a, now)
	return nil
}

// insert appends a validated account, filling its id and dates.
func (v *Vault) insert(a *Account, now time.Time) {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.Created.IsZero() {
		a.Created = now
	}
	if a.Changed.IsZero() {
		a.Changed = now
	}
	a.Modified = now
	v.Accounts = append(v.Accounts, a)
}

// Remove deletes the account with the given id and reports whether it was there.
func (v *Vault) Remove(id string) bool {
	for i, a := range v.Accounts {
		if a.ID == id {
			v.Accounts = append(v.Accounts[:i], v.Accounts[i+1:]...)
			return true
		}
	}
	return false
}

// SetPassword changes an account's password by hand, keeping the old one in
// history so nothing is lost.
func (a *Account) SetPassword(pw string, now time.Time) {
	if pw == a.Password {
		return
	}
	if a.Password != "" {
		a.History = append(a.History, RetiredPassword{
			Password: a.Password, Set: a.Changed, Retired: now, Reason: "edited",
		})
	}
	a.Password = pw
	a.Changed = now
	a.Modified = now
}

// Validate checks the fields every account needs and fills the port from
// the security when it is zero.
func Validate(a *Account) error {
	switch {
	case strings.TrimSpace(a.Name) == "":
		return fmt.Errorf("%w: name is required", ErrInvalidAccount)
	case strings.TrimSpace(a.Host) == "":
		return fmt.Errorf("%w: host is required", ErrInvalidAccount)
	case strings.TrimSpace(a.Username) == "":
		return fmt.Errorf("%w: username is required", ErrInvalidAccount)
	}
	sec, err := ParseSecurity(string(a.Security))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidAccount, err)
	}
	a.Security = sec
	if a.Port == 0 {
		a.Port = sec.DefaultPort()
	}
	if a.Port < 1 || a.Port > 65535 {
		return fmt.Errorf("%w: port %d out of range 1-65535", ErrInvalidAccount, a.Port)
	}
	return validateFields(a) // validate.go
}

// NewID returns a random 16-hex-digit account id.
func NewID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}
