package vault

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValidateFillsSMTPDefaults(t *testing.T) {
	for _, tt := range []struct {
		sec  Security
		port int
	}{{"", 465}, {TLS, 465}, {STARTTLS, 587}, {Insecure, 587}} {
		a := &Account{Name: "w", Host: "imap.example.com", Username: "u", Address: "u@example.com",
			SMTP: &Endpoint{Host: "smtp.example.com", Security: tt.sec}}
		if err := Validate(a); err != nil {
			t.Fatalf("%q: %v", tt.sec, err)
		}
		if a.SMTP.Port != tt.port || a.SMTP.Security == "" {
			t.Errorf("security %q: port %d security %q, want %d", tt.sec, a.SMTP.Port, a.SMTP.Security, tt.port)
		}
		if a.SMTPUsername() != "u" {
			t.Errorf("SMTPUsername = %q, want the IMAP username", a.SMTPUsername())
		}
	}
	a := &Account{SMTP: &Endpoint{Username: "other"}}
	if a.SMTPUsername() != "other" {
		t.Errorf("SMTPUsername = %q, want its own", a.SMTPUsername())
	}
	if (&Account{}).SMTPUsername() != "" {
		t.Error("an account without an endpoint has an SMTP username")
	}
}

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
		{"recipe setting not NAME=value", func(a *Account) { a.RecipeSettings = []string{"IMAPVAULT_RECIPE_X"} }, "recipe setting 1 is not"},
		{"recipe setting of another prefix", func(a *Account) { a.RecipeSettings = []string{"PATH=/tmp"} }, "recipe setting 1 is not"},
		{"recipe setting given twice", func(a *Account) {
			a.RecipeSettings = []string{"IMAPVAULT_RECIPE_X=a", "IMAPVAULT_RECIPE_X=b"}
		}, "IMAPVAULT_RECIPE_X is given twice"},
		{"recipe setting with a newline", func(a *Account) { a.RecipeSettings = []string{"IMAPVAULT_RECIPE_X=a\nb"} }, "IMAPVAULT_RECIPE_X holds a control"},
		{"recipe setting holding the password", func(a *Account) {
			a.Password = "Recipe-Secret-9"
			a.RecipeSettings = []string{"IMAPVAULT_RECIPE_MAILU_URL=https://u:Recipe-Secret-9@mail.example"}
		}, "IMAPVAULT_RECIPE_MAILU_URL holds one of the account's passwords"},
		{"too many recipe settings", func(a *Account) {
			for i := range MaxRecipeSettings + 1 {
				a.RecipeSettings = append(a.RecipeSettings, fmt.Sprintf("IMAPVAULT_RECIPE_X%d=v", i))
			}
		}, "more than 32 recipe settings"},
		{"newline in password", func(a *Account) { a.Password = "p\nw" }, "line feed"},
		{"ESC in password", func(a *Account) { a.Password = "Kx9\x1b[2J" }, "control character (ESC) at character 4"},
		{"NUL in password", func(a *Account) { a.Password = "p\x00w" }, "NUL"},
		{"address without @", func(a *Account) { a.Address = "alice" }, "not local@domain"},
		{"address with >", func(a *Account) { a.Address = "a>@example.com" }, "address holds"},
		{"address with space", func(a *Account) { a.Address = "a b@example.com" }, "address holds"},
		{"address with escape", func(a *Account) { a.Address = "a\x1b@example.com" }, "address holds"},
		{"address bad domain", func(a *Account) { a.Address = "a@exa/mple" }, "domain is not"},
		{"huge address", func(a *Account) { a.Address = huge + "@x.org" }, "address is longer"},
		{"smtp without host", func(a *Account) { a.SMTP = &Endpoint{} }, "smtp host is required"},
		{"smtp bad host", func(a *Account) { a.SMTP = &Endpoint{Host: "a b"} }, "smtp host is not"},
		{"smtp bad security", func(a *Account) { a.SMTP = &Endpoint{Host: "h", Security: "ssl3"} }, "unknown security"},
		{"smtp bad port", func(a *Account) { a.SMTP = &Endpoint{Host: "h", Port: 70000} }, "port 70000"},
		{"relative ca_file", func(a *Account) { a.CAFile = "ca.pem" }, "ca_file is not"},
		{"newline in ca_file", func(a *Account) { a.CAFile = "/etc/ca.pem\nset x" }, "ca_file is not"},
		{"huge ca_file", func(a *Account) { a.CAFile = "/" + huge }, "ca_file is not"},
		{"smtp user escape", func(a *Account) { a.SMTP = &Endpoint{Host: "h", Username: "u\x1b"} }, "smtp username"},
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
