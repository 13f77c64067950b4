package main

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/agent/wire"
	"github.com/imapvault/imapvault/vault"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args []string
		want *getRequest // nil: handed over to imapvault
	}{
		{[]string{"work"}, &getRequest{query: wire.Query{Name: "work", Field: "password"}}},
		{[]string{"--field", "port", "work"}, &getRequest{query: wire.Query{Name: "work", Field: "port"}}},
		{[]string{"work", "-field=host", "--no-prompt"}, &getRequest{query: wire.Query{Name: "work", Field: "host"}}},
		{[]string{"--host", "h", "--user", "u"}, &getRequest{query: wire.Query{Host: "h", User: "u", Field: "password"}}},
		{[]string{"--vault", "/v", "--identity=/i", "--passphrase-file", "/p", "x"},
			&getRequest{vault: "/v", identity: "/i", query: wire.Query{Name: "x", Field: "password"}}},
		{[]string{"--", "-dash-name"}, &getRequest{query: wire.Query{Name: "-dash-name", Field: "password"}}},
		{[]string{"--no-prompt=true", "w"}, &getRequest{query: wire.Query{Name: "w", Field: "password"}}},
		{nil, nil},
		{[]string{"a", "b"}, nil},
		{[]string{"a", "--host", "h"}, nil},
		{[]string{"--user", "u"}, nil},
		{[]string{"--help"}, nil},
		{[]string{"-h", "work"}, nil},
		{[]string{"work", "--field"}, nil},
		{[]string{"work", "--allow-shared-folder"}, nil},
		{[]string{"work", "--no-prompt=maybe"}, nil},
	}
	for _, tc := range tests {
		got, ok := parseArgs(tc.args)
		if tc.want == nil {
			if ok {
				t.Errorf("%q: parsed as %+v, want a hand-over", tc.args, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, *tc.want) {
			t.Errorf("%q: %+v (ok %v), want %+v", tc.args, got, ok, *tc.want)
		}
	}
}

// The point of imapvault-get is what it does not link: age, the vault
// model, net (whose cgo resolver makes the binary load libc: ~4 ms here),
// the TUI. A new import that drags one in makes every mail client slow.
func TestLinksOnlyTheProtocol(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	for _, bad := range []string{"filippo.io/age", "github.com/imapvault/imapvault/vault", "net", "runtime/cgo",
		"charm.land/bubbletea/v2", "github.com/imapvault/imapvault/agent"} {
		for _, d := range deps {
			if d == bad {
				t.Errorf("imapvault-get links %s", bad)
			}
		}
	}
}

// imapvault-get hands a value with a control character to imapvault get
// (which refuses it to a terminal); both must agree on what that is.
func TestHasControlAgreesWithTheVault(t *testing.T) {
	for _, s := range []string{"plain", "ünï", "🔑", "a\x1b[2Jb", "\x07", "\t", "x\x7f", "c1\u009b", "raw\x9b", "\xc3\x28", "\u00a0", "é\x85", ""} {
		if got, want := hasControl(s), vault.CheckPassword(s) != nil; got != want {
			t.Errorf("hasControl(%q) = %v, vault says %v", s, got, want)
		}
	}
}
