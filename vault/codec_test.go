package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestCodecKnowsTheModel(t *testing.T) {
	if m := codecMismatch(); m != "" {
		t.Fatalf("the model's %s changed: update codecFields, codec_encode.go and codec_decode.go (until then every open and save uses the slow encoding/json)", m)
	}
}

// awkward holds strings that exercise every escaping rule.
var awkward = []string{
	"", "plain", `quote " backslash \ slash /`, "<script>&amp;</script>",
	"ctl \x00\x01\x08\x0c\n\r\t\x1f\x7f", "é ü 日本 🔑", "sep \u2028 \u2029",
	"bad utf8 \xff\xfe \xc3", "\ufffd", "tab\tnewline\n",
}

func codecVaults(t *testing.T) map[string]*Vault {
	var filled Vault
	(&filler{}).fill(reflect.ValueOf(&filled).Elem())
	awk := bigVault(len(awkward), "age1x")
	for i, s := range awkward {
		a := awk.Accounts[i]
		a.Name, a.Password, a.Notes, a.Tags = s, s+s, s, []string{s, ""}
		a.History = []RetiredPassword{{Password: s}}
		a.Pending = &Pending{}
		a.LastCheck = &Check{TLS: &TLSInfo{}, Capabilities: []string{}}
		a.Accepted = []Acceptance{{Kind: s}}
	}
	zone := time.FixedZone("", -7*3600-30*60)
	odd := bigVault(3, "age1x")
	odd.Accounts[0].Created = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	odd.Accounts[1].Changed = time.Date(2024, 2, 29, 23, 59, 59, 999999999, zone)
	odd.Accounts[2].Port = -1
	odd.Accounts[2].Policy = &PasswordPolicy{}
	odd.Recipients = []Recipient{}
	return map[string]*Vault{
		"new":            New(),
		"every field":    &filled,
		"awkward text":   awk,
		"odd values":     odd,
		"1000 accounts":  bigVault(1000, "age1x"),
		"empty accounts": {Version: 1, Accounts: []*Account{}, Recipients: []Recipient{}},
		"nil account":    {Version: 1, Accounts: []*Account{nil}},
	}
}

// TestCodecMatchesEncodingJSON: the encoder writes json.Marshal's bytes,
// and what the decoder accepts decodes as json.Unmarshal would.
func TestCodecMatchesEncodingJSON(t *testing.T) {
	for name, v := range codecVaults(t) {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := marshalPayload(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < min(len(got), len(want)) && got[i] == want[i] {
					i++
				}
				t.Fatalf("encoder differs from json.Marshal at byte %d:\n got …%.80s\nwant …%.80s", i, got[max(0, i-20):], want[max(0, i-20):])
			}
			var ref Vault
			if err := json.Unmarshal(want, &ref); err != nil {
				t.Fatal(err)
			}
			fast, ok := parseVault(want)
			if name == "nil account" {
				if ok {
					t.Fatal("decoder accepted a null account; it should leave that to encoding/json")
				}
				return
			}
			if !ok {
				t.Fatal("decoder gave up on what the encoder wrote")
			}
			if !reflect.DeepEqual(fast, &ref) {
				t.Fatalf("decoder differs from json.Unmarshal:\n got %+v\nwant %+v", fast, &ref)
			}
		})
	}
}

// TestCodecGivesUp: input the decoder does not take fast goes to
// encoding/json, with the same result either way.
func TestCodecGivesUp(t *testing.T) {
	for _, tc := range []struct{ name, json string }{
		{"unknown key", `{"version":1,"extra":true}`},
		{"key in other case", `{"Version":1}`},
		{"escaped key", `{"versio\u006e":1}`},
		{"duplicate key", `{"version":1,"version":2}`},
		{"duplicate pointer field", `{"version":1,"accounts":[{"pending":{"state":"a"},"pending":{"note":"b"}}]}`},
		{"fraction", `{"version":1.0}`},
		{"exponent", `{"version":1e0}`},
		{"leading zero", `{"version":01}`},
		{"huge", `{"version":1234567890123456789012}`},
		{"string for int", `{"version":"1"}`},
		{"null settings", `{"version":1,"settings":null}`},
		{"null string", `{"version":1,"accounts":[{"name":null}]}`},
		{"null in tags", `{"version":1,"accounts":[{"tags":["a",null]}]}`},
		{"lone high surrogate", `{"version":1,"accounts":[{"name":"\ud800x"}]}`},
		{"lone low surrogate", `{"version":1,"accounts":[{"name":"\udc00"}]}`},
		{"invalid utf8", "{\"version\":1,\"accounts\":[{\"name\":\"\xff\"}]}"},
		{"escaped time", `{"version":1,"accounts":[{"created":"2024-01-01T00:00:00\u005a"}]}`},
		{"bad time", `{"version":1,"accounts":[{"created":"yesterday"}]}`},
		{"trailing comma", `{"version":1,}`},
		{"trailing garbage", `{"version":1} x`},
		{"two values", `{"version":1}{}`},
		{"top-level null", `null`},
		{"bad escape", `{"version":1,"accounts":[{"name":"\q"}]}`},
		{"control byte", "{\"version\":1,\"accounts\":[{\"name\":\"a\x01\"}]}"},
		{"truncated", `{"version":1,"accounts":[{"name":"a`},
		{"empty", ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := parseVault([]byte(tc.json)); ok {
				t.Fatal("the fast decoder accepted it")
			}
			sameAsEncodingJSON(t, []byte(tc.json))
		})
	}
	t.Run("surrogate pair and escapes are taken", func(t *testing.T) {
		in := `{"version":1,"accounts":[{"name":"\ud83d\udd11 \u00e9\n\"\\\/\b\f\r\t"}]}`
		if _, ok := parseVault([]byte(in)); !ok {
			t.Fatal("the fast decoder gave up")
		}
		sameAsEncodingJSON(t, []byte(in))
	})
}

// sameAsEncodingJSON fails unless unmarshalPayload agrees with
// json.Unmarshal on data: both fail, or both give the same vault.
func sameAsEncodingJSON(t *testing.T, data []byte) {
	t.Helper()
	got, _, err := unmarshalPayload(data)
	var ref Vault
	refErr := json.Unmarshal(data, &ref)
	switch {
	case (err == nil) != (refErr == nil):
		t.Fatalf("unmarshalPayload error %v; encoding/json error %v", err, refErr)
	case err == nil && !reflect.DeepEqual(got, &ref):
		t.Fatalf("unmarshalPayload = %+v; encoding/json = %+v", got, &ref)
	}
}

// FuzzDecode: the payload decoder never panics and never disagrees with
// encoding/json, and what it decodes the encoder writes back as
// json.Marshal does; decode of arbitrary file bytes never panics.
func FuzzDecode(f *testing.F) {
	seed, _ := json.Marshal(bigVault(2, "age1x"))
	var filled Vault
	(&filler{}).fill(reflect.ValueOf(&filled).Elem())
	full, _ := json.Marshal(&filled)
	f.Add(seed)
	f.Add(full)
	f.Add([]byte(`{"version":1,"accounts":[{"name":"\ud83d\udd11","tags":[]}],"settings":{"backups":3}}`))
	f.Add([]byte(`{"version":2,"accounts":{}}`))
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\n--- def\n"))
	id, err := newTestX25519()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, err := decode(data, id); err == nil {
			t.Fatal("decode accepted bytes that were never encrypted to this identity")
		}
		v, _, err := parsePayload(data)
		var ve *VersionError
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.As(err, &ve) {
			t.Fatalf("parsePayload error %v is neither ErrCorrupt nor *VersionError", err)
		}
		sameAsEncodingJSON(t, data)
		if v == nil {
			return
		}
		want, werr := json.Marshal(v)
		got, gerr := marshalPayload(v)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("encoder differs from json.Marshal (%v, %v)", gerr, werr)
		}
	})
}

func TestCodecTimes(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Unix(0, 0).UTC(),
		time.Date(2024, 12, 31, 23, 59, 59, 100_000_000, time.UTC),
		time.Date(2024, 1, 2, 3, 4, 5, 120, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2024, 6, 1, 12, 0, 0, 5, time.FixedZone("", 0)),
		time.Date(2024, 6, 1, 12, 0, 0, 0, time.FixedZone("", 5*3600+45*60)),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Now(), // local zone, monotonic reading
	} {
		v := New()
		v.Accounts = []*Account{{Created: tm}}
		want, werr := json.Marshal(v)
		got, gerr := marshalPayload(v)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Errorf("%v: encoder gave %s, %v; json.Marshal %s, %v", tm, got, gerr, want, werr)
		}
		if werr != nil {
			if _, ok := appendVault(nil, v); ok {
				t.Errorf("%v: appendVault claims success where json.Marshal fails", tm)
			}
		}
	}
}

// TestParseUTC: the fast time parser agrees with Time.UnmarshalText on
// what it takes, and leaves everything else to it.
func TestParseUTC(t *testing.T) {
	for _, tc := range []struct {
		in   string
		fast bool
	}{
		{"2024-03-01T09:30:00Z", true},
		{"2024-03-01T09:30:00.5Z", true},
		{"2024-03-01T09:30:00.123456789Z", true},
		{"0000-01-01T00:00:00Z", true},
		{"9999-12-31T23:59:59.999999999Z", true},
		{"2024-02-29T00:00:00Z", true},
		{"2023-02-29T00:00:00Z", false},
		{"2024-04-31T00:00:00Z", false},
		{"2024-13-01T00:00:00Z", false},
		{"2024-00-01T00:00:00Z", false},
		{"2024-01-01T24:00:00Z", false},
		{"2024-01-01T23:60:00Z", false},
		{"2024-01-01T23:59:60Z", false},
		{"2024-01-01T00:00:00.Z", false},
		{"2024-01-01T00:00:00.1234567891Z", false},
		{"2024-01-01T00:00:00+00:00", false},
		{"2024-01-01T00:00:00-07:30", false},
		{"2024-01-01t00:00:00z", false},
		{"2024-1-01T00:00:00Z", false},
		{"+024-01-01T00:00:00Z", false},
		{"2024-01-01T00:00:0xZ", false},
		{"2024-01-01 00:00:00Z", false},
		{"", false},
	} {
		got, ok := parseUTC([]byte(tc.in))
		if ok != tc.fast {
			t.Errorf("parseUTC(%q) ok = %v; want %v", tc.in, ok, tc.fast)
			continue
		}
		var want time.Time
		err := want.UnmarshalText([]byte(tc.in))
		if ok && (err != nil || !got.Equal(want) || got.Location() != want.Location()) {
			t.Errorf("parseUTC(%q) = %v; UnmarshalText = %v, %v", tc.in, got, want, err)
		}
	}
}
