package vault

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateRefusesHostileFields(t *testing.T) {
	ok := func() *Account {
		return &Account{Name: "work", Host: "imap.example.com", Username: "alice@example.com", Password: "pw",
			Tags: []string{"mail"}, Notes: "line one\nline two", HookEnv: []string{"PGPASSFILE"}}
	}
	if err := Validate(ok()); err != nil {
		t.Fatalf("good account refused: %v", err)
	}
	huge := strings.Repeat("n", 1<<20)
	tests := []struct {
		name string
		edit func(a *Account)
		want string
	}{
		{"newline in name", func(a *Account) { a.Name = "work\nFAKE ROW" }, "name holds a control"},
		{"escape in name", func(a *Account) { a.Name = "w\x1b]52;c;eA==\x07" }, "name holds a control"},
		{"C1 in name", func(a *Account) { a.Name = "w\u009b2J" }, "name holds a control"},
		{"bidi in name", func(a *Account) { a.Name = "w\u202eevil" }, "name holds a control"},
		{"invalid UTF-8 in name", func(a *Account) { a.Name = "w\xff" }, "name holds a control"},
		{"1 MB name", func(a *Account) { a.Name = huge }, "name is longer than 64"},
		{"65-rune name", func(a *Account) { a.Name = strings.Repeat("é", 65) }, "name is longer than 64"},
		{"newline in username", func(a *Account) { a.Username = "u\n" }, "username holds"},
		{"1 MB username", func(a *Account) { a.Username = huge }, "username is longer"},
		{"host with slash", func(a *Account) { a.Host = "imap.example.com/x" }, "host is not"},
		{"host with escape", func(a *Account) { a.Host = "imap\x1b[2J" }, "host is not"},
		{"host with space", func(a *Account) { a.Host = "imap example" }, "host is not"},
		{"1 MB host", func(a *Account) { a.Host = huge }, "host is not"},
		{"tag with newline", func(a *Account) { a.Tags = []string{"ok", "b\nad"} }, "tag 2"},
		{"empty tag", func(a *Account) { a.Tags = []string{" "} }, "tag 1"},
		{"escape in notes", func(a *Account) { a.Notes = "x\x1b[2J" }, "notes hold"},
		{"huge notes", func(a *Account) { a.Notes = strings.Repeat("n\n", 4096) }, "notes are longer"},
		{"bad hook_env name", func(a *Account) { a.HookEnv = []string{"A=B"} }, "hook_env entry 1"},
		{"newline in password", func(a *Account) { a.Password = "p\nw" }, "line feed"},
		{"ESC in password", func(a *Account) { a.Password = "Kx9\x1b[2J" }, "control character (ESC) at character 4"},
		{"NUL in password", func(a *Account) { a.Password = "p\x00w" }, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok()
			tt.edit(a)
			err := Validate(a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error with %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidAccount) && !errors.Is(err, ErrBadPassword) {
				t.Errorf("error %v matches neither ErrInvalidAccount nor ErrBadPassword", err)
			}
			if len(err.Error()) > 300 || strings.ContainsAny(err.Error(), "\n\x1b\x00") {
				t.Errorf("error quotes the value: %q", err.Error())
			}
		})
	}
	for _, h := range []string{"127.0.0.1", "::1", "[::1]", "xn--mnchen-3ya.de", "münchen.de", "mail_1.corp.", "localhost"} {
		a := ok()
		a.Host = h
		if err := Validate(a); err != nil {
			t.Errorf("host %q refused: %v", h, err)
		}
	}
}
