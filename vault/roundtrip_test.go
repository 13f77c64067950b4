package vault

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// filler sets every field it reaches to a distinct non-zero value, so a
// field the round trip drops or mixes up shows as a difference.
// filler sets every field; a pointer to a type already being filled
// (Check.SMTP is a *Check) is filled once more, then left nil.
type filler struct {
	n    int
	open map[reflect.Type]int
}

var timeType = reflect.TypeFor[time.Time]()

func (f *filler) fill(v reflect.Value) {
	f.n++
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2020, 1, 2, 3, 4, 5, f.n*1000+7, time.UTC).AddDate(0, 0, f.n)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s-%d <&> \"q\" é\u2028", v.Type().Name(), f.n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		if f.open == nil {
			f.open = map[reflect.Type]int{}
		}
		t := v.Type().Elem()
		if f.open[t] >= 1 {
			return
		}
		f.open[t]++
		p := reflect.New(t)
		f.fill(p.Elem())
		v.Set(p)
		f.open[t]--
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			f.fill(s.Index(i))
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	default:
		panic(fmt.Sprintf("filler: add a case for %s", v.Type()))
	}
}

// structTypes lists every struct type reachable from t (time.Time excluded).
func structTypes(t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		structTypes(t.Field(i).Type, seen)
	}
}

// TestEveryFieldHasJSONTag fails when a field is added without a JSON tag:
// its Go name would become part of the file format by accident.
func TestEveryFieldHasJSONTag(t *testing.T) {
	seen := map[reflect.Type]bool{}
	structTypes(reflect.TypeFor[Vault](), seen)
	if len(seen) < 9 {
		t.Fatalf("found only %d struct types; the walk is broken", len(seen))
	}
	for typ := range seen {
		names := map[string]bool{}
		for i := range typ.NumField() {
			fld := typ.Field(i)
			name, _, _ := strings.Cut(fld.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s.%s has no JSON name; add a json tag", typ.Name(), fld.Name)
			}
			if names[name] {
				t.Errorf("%s: JSON name %q used twice", typ.Name(), name)
			}
			names[name] = true
		}
	}
}

func TestRoundTripEveryField(t *testing.T) {
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	other, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	var want Vault
	(&filler{}).fill(reflect.ValueOf(&want).Elem())
	want.Version = FormatVersion
	// Recipient 0 is removed (every field set); recipient 1 is us, so the
	// save can encrypt to it.
	want.Recipients[0].Key = other.Recipient().String()
	want.Recipients[1].Key = id.Recipient
	want.Recipients[1].Removed = nil
	want.Recipients[1].RemovedBy = ""

	// Every key of every struct must be in the JSON: a field that is
	// filled but not written would be lost silently.
	plain, err := json.Marshal(&want)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	structTypes(reflect.TypeFor[Vault](), seen)
	for typ := range seen {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if !strings.Contains(string(plain), `"`+name+`":`) {
				t.Errorf("%s.%s (%q) missing from the JSON", typ.Name(), typ.Field(i).Name, name)
			}
		}
	}

	f.Vault = &want
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	g, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Vault, &want) {
		a, _ := json.MarshalIndent(g.Vault, "", " ")
		b, _ := json.MarshalIndent(&want, "", " ")
		t.Fatalf("round trip changed the vault:\n got %s\nwant %s", a, b)
	}
}

// TestRoundTripMinimal checks the empty and zero cases: a new vault and an
// account with only the required fields come back as they went in.
func TestRoundTripMinimal(t *testing.T) {
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		edit func(v *Vault)
	}{
		{"empty", func(v *Vault) {}},
		{"one bare account", func(v *Vault) {
			if err := v.Add(&Account{Name: "a", Host: "h", Username: "u"}, now); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".age")
			f, err := Create(path, id, now)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(f.Vault)
			if err := f.Save(); err != nil {
				t.Fatal(err)
			}
			g, err := Open(path, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g.Vault, f.Vault) {
				t.Fatalf("got %+v, want %+v", g.Vault, f.Vault)
			}
		})
	}
}
