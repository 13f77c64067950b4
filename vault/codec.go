package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
)

// The payload codec. encoding/json spends ~100 ms on a 10,000-account
// vault (4.5 MB), so Open and Save use a hand-written encoder and decoder
// for exactly this model. They are checked against encoding/json: the
// encoder must produce the same bytes as json.Marshal, and the decoder
// gives up (and encoding/json decides) on anything but the plain JSON the
// encoder writes - unknown or duplicate keys, escapes in keys, bad UTF-8,
// lone surrogates, fractions, nulls where the model has no pointer.
// FuzzDecode compares the two.

// codecFields is the model as the codec knows it: every struct's JSON
// tags in field order. When the model changes without the codec, the
// fingerprint no longer matches and encoding/json does all the work (slow,
// never wrong) until codec_encode.go and codec_decode.go catch up;
// TestCodecKnowsTheModel fails meanwhile.
var codecFields = map[reflect.Type][]string{
	reflect.TypeFor[Vault](): {"version", "accounts", "recipients", "settings", "strength_key,omitempty",
		"vault_key,omitempty", "key_history,omitempty", "generation,omitempty", "mac,omitempty"},
	reflect.TypeFor[KeyLink]():  {"key", "proof"},
	reflect.TypeFor[Settings](): {"max_age_days,omitempty", "backups,omitempty", "auto_lock_minutes,omitempty"},
	reflect.TypeFor[Account](): {"id", "name", "host", "port", "security", "username", "password",
		"created", "changed", "modified", "tags,omitempty", "notes,omitempty", "max_age_days,omitempty",
		"policy,omitempty", "hook,omitempty", "history,omitempty", "pending,omitempty",
		"last_check,omitempty", "accepted,omitempty", "hook_env,omitempty", "after,omitempty",
		"auth,omitempty", "oauth,omitempty", "strength,omitempty", "address,omitempty", "smtp,omitempty",
		"ca_file,omitempty",
		"recipe_settings,omitempty"},
	reflect.TypeFor[Endpoint](): {"host", "port", "security", "username,omitempty"},
	reflect.TypeFor[PasswordPolicy](): {"length,omitempty", "classes,omitempty", "exclude,omitempty",
		"source,omitempty"},
	reflect.TypeFor[OAuth](): {"provider", "auth_url,omitempty", "token_url,omitempty",
		"device_url,omitempty", "revoke_url,omitempty", "client_id,omitempty",
		"client_secret,omitempty", "scopes,omitempty", "refresh_token,omitempty",
		"access_token,omitempty", "expiry", "refreshed", "issuer,omitempty", "registered,omitempty",
		"userinfo_url,omitempty", "identity,omitempty"},
	reflect.TypeFor[Strength]():        {"score", "fp"},
	reflect.TypeFor[RetiredPassword](): {"password", "set,omitempty", "retired", "reason,omitempty"},
	reflect.TypeFor[Pending]():         {"password", "state", "started", "updated", "note,omitempty"},
	reflect.TypeFor[Check](): {"at", "status", "code,omitempty", "error,omitempty", "alert,omitempty",
		"greeting,omitempty", "latency_ms", "connect_ms,omitempty", "tls_ms,omitempty",
		"greeting_ms,omitempty", "login_ms,omitempty", "tls,omitempty", "capabilities,omitempty",
		"last_ok,omitempty", "smtp,omitempty", "posture,omitempty"},
	reflect.TypeFor[Posture]():        {"at", "findings,omitempty"},
	reflect.TypeFor[PostureFinding](): {"kind", "severity", "endpoint", "message"},
	reflect.TypeFor[TLSInfo](): {"version", "subject,omitempty", "issuer,omitempty", "not_after",
		"days_left", "verify_error,omitempty"},
	reflect.TypeFor[Acceptance](): {"kind", "note,omitempty", "at", "until,omitempty"},
	reflect.TypeFor[Recipient](): {"key", "label,omitempty", "added", "added_by,omitempty",
		"removed,omitempty", "removed_by,omitempty"},
}

// codecFits reports whether the hand-written codec matches the model.
var codecFits = codecMismatch() == ""

// codecMismatch names the first struct whose JSON fields differ from
// codecFields, or "" when all match.
func codecMismatch() string {
	for t, want := range codecFields {
		var got []string
		for i := range t.NumField() {
			got = append(got, t.Field(i).Tag.Get("json"))
		}
		if !slices.Equal(got, want) {
			return t.Name()
		}
	}
	return ""
}

// parsePayload checks and decodes the decrypted JSON. The version is
// looked at on its own only when the payload does not fit, so a newer
// format that changed a field's type is reported as newer, not corrupt.
// shared says the vault's strings share plain's memory (parseVaultShared):
// then plain must never be changed or cleared.
func parsePayload(plain []byte) (v *Vault, shared bool, err error) {
	v, shared, err = unmarshalPayload(plain)
	if err != nil {
		var head struct {
			Version int `json:"version"`
		}
		if json.Unmarshal(plain, &head) == nil && head.Version > FormatVersion {
			return nil, false, &VersionError{Version: head.Version}
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, false, fmt.Errorf("%w: payload is not valid JSON", ErrCorrupt)
		}
		return nil, false, fmt.Errorf("%w: payload does not match the vault format", ErrCorrupt)
	}
	if v.Version > FormatVersion {
		return nil, false, &VersionError{Version: v.Version}
	}
	if v.Version < 1 {
		return nil, false, fmt.Errorf("%w: payload has no version", ErrCorrupt)
	}
	return v, shared, nil
}

// marshalPayload encodes v exactly as json.Marshal would.
func marshalPayload(v *Vault) ([]byte, error) {
	if codecFits {
		if b, ok := appendVault(make([]byte, 0, 512+len(v.Accounts)*512), v); ok {
			return b, nil
		}
	}
	return json.Marshal(v) // also for the errors, e.g. a year past 9999
}

// unmarshalPayload decodes plain into a new Vault with the semantics of
// json.Unmarshal; shared as for parsePayload.
func unmarshalPayload(plain []byte) (v *Vault, shared bool, err error) {
	if codecFits {
		if v, ok := parseVaultShared(plain); ok {
			return v, true, nil
		}
	}
	v = new(Vault)
	if err := json.Unmarshal(plain, v); err != nil {
		return nil, false, err
	}
	return v, false, nil
}
