package audit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestStrengthCacheAcrossRuns(t *testing.T) {
	cache := NewStrengthCache()
	v := reportVault()
	first, err := Run(v, Options{Now: now, Strength: cache})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cache.scores); n == 0 || n > len(v.Accounts) {
		t.Fatalf("cache holds %d scores for %d accounts", n, len(v.Accounts))
	}
	again, err := Run(v, Options{Now: now, Strength: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, again) {
		t.Fatalf("cached run differs:\n%+v\n%+v", first, again)
	}

	// A changed password or username is scored afresh, not served stale.
	tests := []struct {
		name     string
		edit     func()
		account  string
		wantWeak bool
	}{
		{"password made weak", func() { v.Find("work").Password = "password1234" }, "work", true},
		{"password made strong", func() { v.Find("home").Password = strongPw(77) }, "home", false},
		{"username now inside the password", func() {
			a := v.Find("legacy box")
			a.Password, a.Username = "Jsmithers2024!", "jsmithers"
		}, "legacy box", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.edit()
			fs, err := Run(v, Options{Now: now, Strength: cache})
			if err != nil {
				t.Fatal(err)
			}
			if got := findingOf(fs, tt.account, Weak) != nil; got != tt.wantWeak {
				t.Fatalf("weak = %v, want %v", got, tt.wantWeak)
			}
		})
	}
	v.Find("work").Password = sentinel
	if _, err := Run(v, Options{Now: now, Strength: cache}); err != nil {
		t.Fatal(err)
	}
	dump := fmt.Sprintf("%v %x", cache.scores, cache.scores)
	for _, bad := range sentinelForms() {
		if strings.Contains(dump, bad) || strings.Contains(dump, fmt.Sprintf("%x", bad)) {
			t.Fatalf("cache holds a form of the password")
		}
	}
}
