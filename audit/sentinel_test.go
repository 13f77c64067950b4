package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// sentinel is a password that must never leave the vault: not in a
// finding, a report or an error, and neither may its SHA-1 or SHA-256 (a
// reuse group's id is keyed by the vault's secret, never a plain hash).
const sentinel = "SENTINEL-pw-7f3a"

func sentinelForms() []string {
	h := sha1Hex(sentinel)
	h256 := sha256.Sum256([]byte(sentinel))
	h2 := hex.EncodeToString(h256[:])
	return []string{sentinel, strings.ToLower(sentinel), h, strings.ToLower(h), h[:10], strings.ToLower(h[:10]), h[30:],
		h2[:10], h2[54:]}
}

func TestNoPasswordInOutput(t *testing.T) {
	v := reportVault()
	work, home := v.Find("work"), v.Find("home")
	work.Password, home.Password = sentinel, sentinel // reused, breached
	work.History = []vault.RetiredPassword{{Password: sentinel, Retired: daysAgo(50)}}
	home.Pending = &vault.Pending{Password: sentinel + "-next", State: vault.PendingSaved, Started: daysAgo(1)}
	// A server that echoes the password back in its error text.
	home.LastCheck = &vault.Check{At: daysAgo(1), Status: "auth_failed", Error: "bad password " + sentinel + " for bob"}
	v.Accounts = append(v.Accounts, &vault.Account{ID: "w", Name: "weakling", Host: "h.example", Username: "u",
		Password: sentinel[:8], Changed: daysAgo(900)})

	fs, err := Run(v, Options{Now: now, Breached: smallBreachFile(t, map[string]int{sentinel: 12})})
	if err != nil {
		t.Fatal(err)
	}
	if findingOf(fs, "work", Breached) == nil || findingOf(fs, "home", Reused) == nil || findingOf(fs, "weakling", Weak) == nil {
		t.Fatalf("the sentinel vault should trigger breached, reused and weak: %+v", fs)
	}
	if f := findingOf(fs, "home", LoginFailed); f == nil || !strings.Contains(f.Message, "[redacted]") {
		t.Fatalf("login finding = %+v, want the echoed password redacted", f)
	}

	outputs := map[string]string{"findings": fmt.Sprintf("%+v", fs)}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, fs); err != nil {
		t.Fatal(err)
	}
	outputs["json"] = buf.String()
	for _, color := range []bool{false, true} {
		buf.Reset()
		if err := WriteText(&buf, fs, color); err != nil {
			t.Fatal(err)
		}
		outputs[fmt.Sprint("text color=", color)] = buf.String()
	}
	for name, out := range outputs {
		for _, bad := range sentinelForms() {
			if strings.Contains(out, bad) {
				t.Errorf("%s output holds %q (a form of the password)", name, bad)
			}
		}
	}
}
