package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

func staleVault() *vault.Vault {
	v := cleanVault()
	v.Find("work").Changed = daysAgo(400)
	v.Find("home").Changed = daysAgo(500)
	return v
}

func TestAcceptHidesUntilExpiry(t *testing.T) {
	until := now.Add(30 * 24 * time.Hour)
	tests := []struct {
		name        string
		at          time.Time // when the audit runs
		include     bool
		wantWork    bool // the stale finding on work shows
		wantMarked  bool // ... marked as accepted
		wantListLen int
	}{
		{"hidden while accepted", now, false, false, false, 1},
		{"shown marked with IncludeAccepted", now, true, true, true, 1},
		{"back after the until date", until.Add(time.Hour), false, true, false, 0},
		{"back exactly at the until date", until, false, true, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := staleVault()
			if err := Accept(v.Find("work"), Stale, "provider forbids changes until migration", &until, now); err != nil {
				t.Fatal(err)
			}
			fs, err := Run(v, Options{Now: tt.at, IncludeAccepted: tt.include})
			if err != nil {
				t.Fatal(err)
			}
			f := findingOf(fs, "work", Stale)
			if (f != nil) != tt.wantWork {
				t.Fatalf("work stale shown = %v, want %v", f != nil, tt.wantWork)
			}
			if f != nil && (f.Accepted != nil) != tt.wantMarked {
				t.Errorf("accepted mark = %+v, want %v", f.Accepted, tt.wantMarked)
			}
			if findingOf(fs, "home", Stale) == nil {
				t.Error("acceptance on work hid home's finding")
			}
			list := ListAccepted(v, tt.at)
			if len(list) != tt.wantListLen {
				t.Fatalf("ListAccepted = %+v, want %d entries", list, tt.wantListLen)
			}
			if len(list) == 1 && (list[0].Account != "work" || list[0].Kind != string(Stale) || !strings.Contains(list[0].Note, "migration")) {
				t.Errorf("entry = %+v", list[0])
			}
		})
	}
}

func TestAcceptWithoutUntilAndUnaccept(t *testing.T) {
	v := staleVault()
	work := v.Find("work")
	if err := Accept(work, Stale, "first", nil, now); err != nil {
		t.Fatal(err)
	}
	if err := Accept(work, Stale, "second", nil, now); err != nil { // replaces, not duplicates
		t.Fatal(err)
	}
	if len(work.Accepted) != 1 || work.Accepted[0].Note != "second" {
		t.Fatalf("accepted = %+v", work.Accepted)
	}
	far := now.Add(50 * 365 * 24 * time.Hour)
	if fs, _ := Run(v, Options{Now: far}); findingOf(fs, "work", Stale) != nil {
		t.Fatal("acceptance without an until date expired")
	}
	if !Unaccept(work, Stale) || Unaccept(work, Stale) {
		t.Fatal("Unaccept must report true once, then false")
	}
	if fs, _ := Run(v, Options{Now: now}); findingOf(fs, "work", Stale) == nil {
		t.Fatal("finding still hidden after Unaccept")
	}
}

func TestAcceptValidates(t *testing.T) {
	past := now.Add(-time.Hour)
	tests := []struct {
		name  string
		kind  Kind
		until *time.Time
		want  string
	}{
		{"unknown kind", "ugly", nil, "unknown finding kind"},
		{"until in the past", Weak, &past, "not in the future"},
		{"until now", Weak, &now, "not in the future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &vault.Account{Name: "work"}
			err := Accept(a, tt.kind, "", tt.until, now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if len(a.Accepted) != 0 {
				t.Fatal("a refused acceptance was stored")
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
		if got, err := ParseKind(" " + strings.ToUpper(string(k)) + " "); err != nil || got != k {
			t.Errorf("ParseKind(%s) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseKind("nope"); err == nil {
		t.Error("ParseKind(nope) accepted")
	}
}

func TestParseMaxAge(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"365d", 365 * day, ""},
		{"52w", 364 * day, ""},
		{"12mo", 360 * day, ""},
		{"1y", 365 * day, ""},
		{"8760h", 8760 * time.Hour, ""},
		{" 90D ", 90 * day, ""},
		{"12m", 0, "ambiguous"},
		{"0d", 0, "not a positive age"},
		{"-5d", 0, "not a positive age"},
		{"abc", 0, "not a positive age"},
		{"", 0, "not a positive age"},
		{"-1h", 0, "not a positive age"},
	}
	for _, tt := range tests {
		got, err := ParseMaxAge(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseMaxAge(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseMaxAge(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
