package audit

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imapvault/imapvault/vault"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// reportVault has one finding of most kinds, for the golden reports.
func reportVault() *vault.Vault {
	v := cleanVault()
	work, home := v.Find("work"), v.Find("home")
	work.Changed = daysAgo(412)
	home.Password = "Summer2024!"
	home.LastCheck = &vault.Check{At: daysAgo(1), Status: "auth_failed", Code: "AUTHENTICATIONFAILED", Error: "Authentication failed."}
	v.Accounts = append(v.Accounts, &vault.Account{ID: "id-legacy", Name: "legacy box", Host: "mail.legacy.example", Port: 143,
		Security: vault.Insecure, Username: "ops", Password: work.Password, Changed: daysAgo(20)})
	removed := daysAgo(5)
	v.Recipients = append(v.Recipients, vault.Recipient{Key: "age1dave", Label: "dave", Added: daysAgo(300), Removed: &removed})
	v.StrengthKey = strings.Repeat("5eed", 16) // fixed, so the reuse group's id is too
	return v
}

func goldenCompare(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./audit -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestReportsGolden(t *testing.T) {
	breach := map[string]int{"Summer2024!": 3861}
	tests := []struct {
		name  string
		vault func() *vault.Vault
		write func(w *bytes.Buffer, fs []Finding) error
	}{
		{"report.json", reportVault, func(w *bytes.Buffer, fs []Finding) error { return WriteJSON(w, fs) }},
		{"report.txt", reportVault, func(w *bytes.Buffer, fs []Finding) error { return WriteText(w, fs, false) }},
		{"report_color.txt", reportVault, func(w *bytes.Buffer, fs []Finding) error { return WriteText(w, fs, true) }},
		{"clean.json", cleanVault, func(w *bytes.Buffer, fs []Finding) error { return WriteJSON(w, fs) }},
		{"clean.txt", cleanVault, func(w *bytes.Buffer, fs []Finding) error { return WriteText(w, fs, false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Run(tt.vault(), Options{Now: now, Breached: smallBreachFile(t, breach)})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := tt.write(&buf, fs); err != nil {
				t.Fatal(err)
			}
			goldenCompare(t, tt.name, buf.Bytes())
		})
	}
}

// The JSON contract: {"findings": [...]} with exactly account, kind,
// severity and message per finding, plus count for breached ones and the
// group ({id, size}) for reused ones shared with other accounts; an empty
// array, never null, when clean.
func TestJSONShape(t *testing.T) {
	for _, fs := range [][]Finding{nil, {}} {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, fs); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(strings.Fields(buf.String()), ""); got != `{"findings":[]}` {
			t.Fatalf("clean JSON = %s", got)
		}
	}
	fs, err := Run(reportVault(), Options{Now: now, Breached: smallBreachFile(t, map[string]int{"Summer2024!": 3861})})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, fs); err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc) != 1 || len(doc["findings"]) != len(fs) {
		t.Fatalf("doc = %v", doc)
	}
	kinds := map[string]bool{}
	for _, f := range doc["findings"] {
		var keys []string
		for k := range f {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := "account,kind,message,severity"
		if f["kind"] == "breached" {
			want = "account,count,kind,message,severity"
			if f["count"] != float64(3861) {
				t.Errorf("count = %v", f["count"])
			}
		}
		if f["kind"] == "reused" {
			want = "account,group,kind,message,severity"
			g, _ := f["group"].(map[string]any)
			if id, _ := g["id"].(string); len(g) != 2 || g["size"] != float64(2) || len(id) != 32 {
				t.Errorf("group = %v, want {id (32 hex digits), size 2}", f["group"])
			}
		}
		if strings.Join(keys, ",") != want {
			t.Errorf("finding keys %v, want %s", keys, want)
		}
		kinds[fmt.Sprint(f["kind"])] = true
	}
	for _, k := range []Kind{Stale, Reused, Weak, Breached, LoginFailed, TLS, Exposed} {
		if !kinds[string(k)] {
			t.Errorf("report vault lacks a %s finding", k)
		}
	}
}

func TestTextMarksAccepted(t *testing.T) {
	v := reportVault()
	until := now.Add(10 * 24 * time.Hour)
	if err := Accept(v.Find("work"), Stale, "waiting for\x1b[31m the migration", &until, now); err != nil {
		t.Fatal(err)
	}
	fs, err := Run(v, Options{Now: now, IncludeAccepted: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, fs, false); err != nil {
		t.Fatal(err)
	}
	want := "[accepted until " + until.Format("2006-01-02") + `: waiting for\x1b[31m the migration]` // shown, not acted on
	if !strings.Contains(buf.String(), want) || strings.Contains(buf.String(), "\x1b") {
		t.Fatalf("report lacks %q or holds an escape:\n%s", want, buf.String())
	}
}

func TestWriteAcceptedGolden(t *testing.T) {
	v := reportVault()
	until := now.Add(30 * 24 * time.Hour)
	if err := Accept(v.Find("work"), Stale, "migration to the new host in December", &until, now); err != nil {
		t.Fatal(err)
	}
	if err := Accept(v.Find("legacy box"), TLS, "the appliance cannot do TLS", nil, daysAgo(3)); err != nil {
		t.Fatal(err)
	}
	if err := Accept(v.Find("home"), Weak, "expired", &until, daysAgo(90)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteAccepted(&buf, ListAccepted(v, now.Add(31*24*time.Hour))); err != nil { // home's and work's expired
		t.Fatal(err)
	}
	if err := WriteAccepted(&buf, ListAccepted(v, now)); err != nil {
		t.Fatal(err)
	}
	if err := WriteAccepted(&buf, nil); err != nil {
		t.Fatal(err)
	}
	goldenCompare(t, "accepted.txt", buf.Bytes())
}
