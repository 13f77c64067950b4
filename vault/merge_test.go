package vault

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	mt0    = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	mt1    = mt0.Add(time.Hour)
	mt2    = mt0.Add(2 * time.Hour)
	mtNow  = mt0.Add(24 * time.Hour)
	recipA = Recipient{Key: "age1aaaa", Label: "alice", Added: mt0}
	recipB = Recipient{Key: "age1bbbb", Label: "bob", Added: mt0}
)

// mergeBase is two accounts and two recipients.
func mergeBase() *Vault {
	v := New()
	v.Recipients = []Recipient{recipA, recipB}
	v.Accounts = []*Account{
		{ID: "id-work", Name: "work", Host: "imap.work", Port: 993, Security: TLS, Username: "w", Password: "pw-work-0", Changed: mt0, Modified: mt0, Tags: []string{"ops", "old"}},
		{ID: "id-home", Name: "home", Host: "imap.home", Port: 993, Security: TLS, Username: "h", Password: "pw-home-0", Changed: mt0, Modified: mt0},
	}
	return v
}

type mergeCase struct {
	name      string
	ours      func(v *Vault)
	theirs    func(v *Vault)
	check     func(t *testing.T, out *Vault)
	conflicts []string // "account/field", in order
}

func TestMerge(t *testing.T) {
	cases := []mergeCase{
		{name: "edits of different accounts are both kept",
			ours:   func(v *Vault) { v.Find("work").Host = "imap2.work" },
			theirs: func(v *Vault) { v.Find("home").SetPassword("pw-home-1", mt1) },
			check: func(t *testing.T, out *Vault) {
				wantField(t, out.Find("work").Host, "imap2.work")
				wantField(t, out.Find("home").Password, "pw-home-1")
				wantField(t, len(out.Find("home").History), 1)
			}},
		{name: "edits of different fields of one account are both kept",
			ours:   func(v *Vault) { v.Find("work").Notes = "ours" },
			theirs: func(v *Vault) { v.Find("work").Port = 1993 },
			check: func(t *testing.T, out *Vault) {
				wantField(t, out.Find("work").Notes, "ours")
				wantField(t, out.Find("work").Port, 1993)
			}},
		{name: "the same value on both sides is no conflict",
			ours:   func(v *Vault) { v.Find("work").Username = "same" },
			theirs: func(v *Vault) { v.Find("work").Username = "same" },
			check:  func(t *testing.T, out *Vault) { wantField(t, out.Find("work").Username, "same") }},
		{name: "the same field changed differently is a conflict that keeps ours",
			ours:      func(v *Vault) { v.Find("work").Host = "ours.example" },
			theirs:    func(v *Vault) { v.Find("work").Host = "theirs.example" },
			check:     func(t *testing.T, out *Vault) { wantField(t, out.Find("work").Host, "ours.example") },
			conflicts: []string{"work/host"}},
		{name: "a password changed on both sides keeps ours and files theirs in the history",
			ours:   func(v *Vault) { v.Find("work").SetPassword("pw-work-ours", mt1) },
			theirs: func(v *Vault) { v.Find("work").SetPassword("pw-work-theirs", mt2) },
			check: func(t *testing.T, out *Vault) {
				a := out.Find("work")
				wantField(t, a.Password, "pw-work-ours")
				i := slices.IndexFunc(a.History, func(h RetiredPassword) bool { return h.Password == "pw-work-theirs" })
				if i < 0 || a.History[i].Reason != ReasonMergeConflict {
					t.Errorf("theirs not in history as a merge conflict: %+v", a.History)
				}
			},
			conflicts: []string{"work/password"}},
		{name: "a password changed on one side wins with its date",
			theirs: func(v *Vault) { v.Find("work").SetPassword("pw-work-1", mt2) },
			check: func(t *testing.T, out *Vault) {
				wantField(t, out.Find("work").Password, "pw-work-1")
				wantField(t, out.Find("work").Changed, mt2)
			}},
		{name: "accounts added on both sides are all there",
			ours:   func(v *Vault) { v.Add(&Account{Name: "a", Host: "h", Username: "u", Password: "pw-a"}, mt1) },
			theirs: func(v *Vault) { v.Add(&Account{Name: "b", Host: "h", Username: "u", Password: "pw-b"}, mt1) },
			check: func(t *testing.T, out *Vault) {
				if out.Find("a") == nil || out.Find("b") == nil || len(out.Accounts) != 4 {
					t.Errorf("accounts: %v", names(out))
				}
			}},
		{name: "the same name added on both sides keeps both, ours renamed",
			ours: func(v *Vault) { v.Add(&Account{Name: "new", Host: "ours", Username: "u", Password: "pw-ours"}, mt1) },
			theirs: func(v *Vault) {
				v.Add(&Account{Name: "new", Host: "theirs", Username: "u", Password: "pw-theirs"}, mt1)
			},
			check: func(t *testing.T, out *Vault) {
				wantField(t, out.Find("new").Host, "theirs")
				wantField(t, out.Find("new-2").Host, "ours")
			},
			conflicts: []string{"new-2/name"}},
		{name: "a deletion on one side of an untouched account holds",
			theirs: func(v *Vault) { v.Remove("id-home") },
			check: func(t *testing.T, out *Vault) {
				if out.Find("home") != nil {
					t.Error("deleted account came back")
				}
			}},
		{name: "a deletion against an edit keeps the edited account",
			ours:      func(v *Vault) { v.Remove("id-home") },
			theirs:    func(v *Vault) { v.Find("home").SetPassword("pw-home-1", mt1) },
			check:     func(t *testing.T, out *Vault) { wantField(t, out.Find("home").Password, "pw-home-1") },
			conflicts: []string{"home/deleted"}},
		{name: "recipe settings changed on their side only are theirs",
			theirs: func(v *Vault) {
				v.Find("work").RecipeSettings = []string{"IMAPVAULT_RECIPE_MAILU_URL=https://mail.example/api"}
			},
			check: func(t *testing.T, out *Vault) {
				wantField(t, strings.Join(out.Find("work").RecipeSettings, " "), "IMAPVAULT_RECIPE_MAILU_URL=https://mail.example/api")
			}},
		{name: "recipe settings are one value: both sides changing them is a conflict",
			ours: func(v *Vault) {
				v.Find("work").RecipeSettings = []string{"IMAPVAULT_RECIPE_MAILU_URL=https://ours/api"}
			},
			theirs: func(v *Vault) { v.Find("work").RecipeSettings = []string{"IMAPVAULT_RECIPE_MAILU_TOKEN_FILE=/t"} },
			check: func(t *testing.T, out *Vault) {
				wantField(t, strings.Join(out.Find("work").RecipeSettings, " "), "IMAPVAULT_RECIPE_MAILU_URL=https://ours/api")
			},
			conflicts: []string{"work/recipe_settings"}},
		{name: "tags merge as a set",
			ours:   func(v *Vault) { a := v.Find("work"); a.Tags = []string{"ops", "new-ours"} },
			theirs: func(v *Vault) { a := v.Find("work"); a.Tags = []string{"ops", "old", "new-theirs"} },
			check: func(t *testing.T, out *Vault) {
				wantField(t, strings.Join(out.Find("work").Tags, ","), "ops,new-ours,new-theirs")
			}},
		{name: "the newer last check wins without a conflict",
			ours:   func(v *Vault) { v.Find("work").LastCheck = &Check{At: mt2, Status: "ok"} },
			theirs: func(v *Vault) { v.Find("work").LastCheck = &Check{At: mt1, Status: "auth_failed"} },
			check:  func(t *testing.T, out *Vault) { wantField(t, out.Find("work").LastCheck.Status, "ok") }},
		{name: "a recipient removed on one side stays removed, dated at the merge",
			ours: func(v *Vault) {
				v.Recipients[1].Removed = &mt1
			},
			theirs: func(v *Vault) {
				v.Recipients = append(v.Recipients, Recipient{Key: "age1cccc", Label: "carol", Added: mt1})
			},
			check: func(t *testing.T, out *Vault) {
				if len(out.Recipients) != 3 {
					t.Fatalf("recipients: %+v", out.Recipients)
				}
				if r := out.Recipients[1]; r.Removed == nil || !r.Removed.Equal(mtNow) {
					t.Errorf("bob: %+v; want removed at the merge", r)
				}
				wantField(t, len(out.ActiveRecipients()), 2)
			}},
		{name: "rotations pending on both sides keep ours and theirs' new password",
			ours: func(v *Vault) {
				v.Find("work").Pending = &Pending{Password: "pw-pend-ours", State: PendingSaved, Started: mt1}
			},
			theirs: func(v *Vault) {
				v.Find("work").Pending = &Pending{Password: "pw-pend-theirs", State: PendingApplied, Started: mt2}
			},
			check: func(t *testing.T, out *Vault) {
				wantField(t, out.Find("work").Pending.Password, "pw-pend-ours")
			},
			conflicts: []string{"work/pending"}},
		{name: "settings merge field by field",
			ours:   func(v *Vault) { v.Settings.MaxAgeDays = 90 },
			theirs: func(v *Vault) { v.Settings.Backups = 9 },
			check: func(t *testing.T, out *Vault) {
				wantField(t, out.Settings, Settings{MaxAgeDays: 90, Backups: 9})
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := mergeBase()
			ours, theirs := base.Clone(), base.Clone()
			if tc.ours != nil {
				tc.ours(ours)
			}
			if tc.theirs != nil {
				tc.theirs(theirs)
			}
			oursBefore, theirsBefore := ours.Clone(), theirs.Clone()
			out, cs := mergeAt(base, ours, theirs, mtNow)
			tc.check(t, out)
			var got []string
			for _, c := range cs {
				got = append(got, c.Account+"/"+c.Field)
				if strings.Contains(c.String(), "pw-") {
					t.Errorf("conflict shows a password: %s", c)
				}
			}
			if !slices.Equal(got, tc.conflicts) {
				t.Errorf("conflicts = %v, want %v", got, tc.conflicts)
			}
			if !reflect.DeepEqual(ours, oursBefore) || !reflect.DeepEqual(theirs, theirsBefore) || !reflect.DeepEqual(base, mergeBase()) {
				t.Error("Merge changed its inputs")
			}
			assertNoPasswordLost(t, out, base, ours, theirs)
		})
	}
}

// assertNoPasswordLost: every password of every input is still in the
// result, unless its account was deleted without a conflict.
func assertNoPasswordLost(t *testing.T, out *Vault, ins ...*Vault) {
	t.Helper()
	for _, in := range ins {
		for _, a := range in.Accounts {
			r := out.FindID(a.ID)
			if r == nil {
				continue
			}
			have := allPasswords(r)
			for _, pw := range allPasswords(a) {
				if !slices.Contains(have, pw) {
					t.Errorf("password of %s lost in the merge", a.Name)
				}
			}
		}
	}
}

func allPasswords(a *Account) []string {
	out := []string{a.Password}
	if a.Pending != nil {
		out = append(out, a.Pending.Password)
	}
	for _, h := range a.History {
		out = append(out, h.Password)
	}
	return out
}

func names(v *Vault) []string {
	var out []string
	for _, a := range v.Accounts {
		out = append(out, a.Name)
	}
	return out
}

func wantField[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestMergeWithoutBase: with no base every difference is a conflict and
// both sides' accounts survive.
func TestMergeWithoutBase(t *testing.T) {
	ours, theirs := mergeBase(), mergeBase()
	theirs.Find("work").SetPassword("pw-work-theirs", mt1)
	out, cs := mergeAt(nil, ours, theirs, mtNow)
	if len(out.Accounts) != 2 || len(cs) != 1 || cs[0].Field != "password" {
		t.Fatalf("accounts %v, conflicts %v", names(out), cs)
	}
	assertNoPasswordLost(t, out, ours, theirs)
}

// TestSaveMergedAfterOutsideChange is the refuse -> reload -> merge path
// with two Files on one path, as two machines behind a sync tool would be.
func TestSaveMergedAfterOutsideChange(t *testing.T) {
	dir := t.TempDir()
	id := plainIdentity(t, dir)
	path := filepath.Join(dir, "vault.age")
	f, err := Create(path, id, mt0)
	if err != nil {
		t.Fatal(err)
	}
	f.Vault.Add(&Account{Name: "work", Host: "h", Username: "u", Password: "pw-work-0"}, mt0)
	f.Vault.Add(&Account{Name: "home", Host: "h", Username: "u", Password: "pw-home-0"}, mt0)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	a, _ := Open(path, id)
	b, _ := Open(path, id)
	b.Vault.Find("home").Notes = "b was here"
	b.Vault.Find("work").SetPassword("pw-work-b", mt2)
	if _, err := b.SaveMerged(); err != nil {
		t.Fatal(err)
	}
	a.Vault.Find("work").SetPassword("pw-work-a", mt1)
	a.Vault.Add(&Account{Name: "new", Host: "h", Username: "u", Password: "pw-new"}, mt1)
	if err := a.Save(); !errors.Is(err, ErrChangedOnDisk) {
		t.Fatalf("plain Save over a changed file: %v", err)
	}
	cs, err := a.SaveMerged()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Account != "work" || cs[0].Field != "password" {
		t.Fatalf("conflicts = %v", cs)
	}
	g, err := Open(path, id)
	if err != nil {
		t.Fatal(err)
	}
	v := g.Vault
	if v.Find("home").Notes != "b was here" || v.Find("new") == nil || v.Find("work").Password != "pw-work-a" {
		t.Errorf("merged vault lost an edit: %v", names(v))
	}
	if !slices.Contains(allPasswords(v.Find("work")), "pw-work-b") {
		t.Error("b's password is gone")
	}
	// The merged file is the new base: a further save goes straight through.
	a.Vault.Find("home").Port = 1993
	if cs, err := a.SaveMerged(); err != nil || len(cs) != 0 {
		t.Fatalf("second save: %v %v", cs, err)
	}
}

// TestCloneCoversEveryField fills every field of a vault by reflection and
// checks the clone is equal yet shares no pointer, slice or map, so a
// field added to the model without a line in Clone fails here.
func TestCloneCoversEveryField(t *testing.T) {
	v := New()
	fill(reflect.ValueOf(v).Elem(), 0)
	c := v.Clone()
	if !reflect.DeepEqual(v, c) {
		t.Fatal("clone differs from the original")
	}
	for _, p := range sharedRefs(reflect.ValueOf(v).Elem(), reflect.ValueOf(c).Elem(), "Vault") {
		t.Errorf("clone shares %s with the original: copy it in Clone", p)
	}
}

func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(mt1))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Pointer:
		if depth > 8 { // Check.SMTP is a *Check: fill it once, not forever
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(7)
	case reflect.Bool:
		v.SetBool(true)
	}
}

func sharedRefs(a, b reflect.Value, path string) []string {
	var out []string
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				out = append(out, sharedRefs(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)...)
			}
		}
	case reflect.Pointer:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return []string{path}
		}
		if !a.IsNil() {
			out = sharedRefs(a.Elem(), b.Elem(), path)
		}
	case reflect.Slice:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return []string{path}
		}
		for i := range a.Len() {
			out = append(out, sharedRefs(a.Index(i), b.Index(i), path+"[]")...)
		}
	case reflect.Map:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			return []string{path}
		}
	}
	return out
}

func BenchmarkMerge10k(b *testing.B) {
	base := bigVault(10_000, "age1bench")
	ours, theirs := base.Clone(), base.Clone()
	ours.Accounts[10].Notes = "ours"
	theirs.Accounts[20].SetPassword("new", mt2)
	b.ReportAllocs()
	for b.Loop() {
		Merge(base, ours, theirs)
	}
}

func BenchmarkClone10k(b *testing.B) {
	v := bigVault(10_000, "age1bench")
	b.ReportAllocs()
	for b.Loop() {
		v.Clone()
	}
}

// TestReloadKeepsUnsavedEdits is the TUI's path: it notices the outside
// change, reloads (merging), and its unsaved edit survives to the save.
func TestReloadKeepsUnsavedEdits(t *testing.T) {
	path, id, f := teamVault(t)
	other, _ := Open(path, id)
	other.Vault.Add(&Account{Name: "theirs", Host: "h", Username: "u", Password: "pw-theirs"}, mt1)
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
	f.Vault.Find("work").Notes = "unsaved"
	if changed, err := f.ChangedOnDisk(); err != nil || !changed {
		t.Fatalf("ChangedOnDisk = %v, %v", changed, err)
	}
	cs, err := f.Reload()
	if err != nil || len(cs) != 0 {
		t.Fatalf("Reload: %v %v", cs, err)
	}
	if f.Vault.Find("theirs") == nil || f.Vault.Find("work").Notes != "unsaved" {
		t.Fatalf("after reload: %v, notes %q", names(f.Vault), f.Vault.Find("work").Notes)
	}
	if changed, _ := f.ChangedOnDisk(); changed {
		t.Error("still changed on disk after the reload")
	}
	if err := f.Save(); err != nil {
		t.Fatalf("save after reload: %v", err)
	}
}

// TestReloadWithUnreadableBase: a base that no longer decrypts (it can't
// happen through the API, but a merge must never depend on it) makes
// every difference a conflict and still loses nothing.
func TestReloadWithUnreadableBase(t *testing.T) {
	path, id, f := teamVault(t)
	other, _ := Open(path, id)
	other.Vault.Find("work").SetPassword("pw-other", mt2)
	if err := other.Save(); err != nil {
		t.Fatal(err)
	}
	f.baseData = []byte("garbage")
	cs, err := f.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 || f.Vault.Find("work").Password != sentinelPassword {
		t.Fatalf("conflicts %v; ours must stay current", cs)
	}
	if !slices.Contains(allPasswords(f.Vault.Find("work")), "pw-other") {
		t.Error("their password is lost")
	}
}

// TestMergeBothRotatedKeepsOldPasswordOnce: both sides retired the same
// password; the history holds it once, and both new ones survive.
func TestMergeBothRotatedKeepsOldPasswordOnce(t *testing.T) {
	base := mergeBase()
	ours, theirs := base.Clone(), base.Clone()
	ours.Find("work").SetPassword("pw-ours", mt1)
	theirs.Find("work").SetPassword("pw-theirs", mt2)
	out, _ := mergeAt(base, ours, theirs, mtNow)
	n := 0
	for _, h := range out.Find("work").History {
		if h.Password == "pw-work-0" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the old password is in the history %d times, want once", n)
	}
	assertNoPasswordLost(t, out, base, ours, theirs)
}

// BenchmarkSaveMergedAfterOutsideChange10k is the whole refuse -> reload
// -> merge -> save path on a 10,000-account vault.
func BenchmarkSaveMergedAfterOutsideChange10k(b *testing.B) {
	path, id := setupBig(b, 10_000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		f, _ := Open(path, id)
		other, _ := Open(path, id)
		other.Vault.Accounts[1].Notes = fmt.Sprint("theirs ", i)
		if err := other.Save(); err != nil {
			b.Fatal(err)
		}
		f.Vault.Accounts[2].Notes = fmt.Sprint("ours ", i)
		b.StartTimer()
		if _, err := f.SaveMerged(); err != nil {
			b.Fatal(err)
		}
	}
}
