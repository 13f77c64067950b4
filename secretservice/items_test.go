package secretservice

import (
	"testing"

	"github.com/imapvault/imapvault/agent/wire"
)

func TestPathElem(t *testing.T) {
	for in, want := range map[string]string{"4c5d32d7": "4c5d32d7", "a-b": "a_2db", "": "_", "x/y": "x_2fy", "é": "_c3_a9"} {
		if got := pathElem(in); got != want {
			t.Errorf("pathElem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestItemsAndMatching(t *testing.T) {
	items := itemsOf([]wire.AccountInfo{
		{ID: "a", Name: "work", Host: "imap.example", Port: 993, Username: "jo",
			SMTP: &wire.EndpointInfo{Host: "smtp.example", Port: 587, Username: "jo-smtp"}},
		{ID: "b", Name: "g", Host: "imap.gmail.com", Port: 993, Username: "g", OAuth2: true},
	})
	if len(items) != 2 || items[0].elem != "a_imap" || items[1].elem != "a_smtp" || items[1].label != "imapvault: work (smtp)" {
		t.Fatalf("items = %+v", items)
	}
	imap, smtp := &items[0], &items[1]
	tests := []struct {
		it   *item
		q    map[string]string
		want bool
	}{
		{imap, map[string]string{}, true},
		{imap, map[string]string{"host": "IMAP.example", "user": "jo"}, true},
		{imap, map[string]string{"user": "JO"}, false}, // usernames keep their case
		{imap, map[string]string{"xdg:schema": SchemaMsmtp}, false},
		{smtp, map[string]string{"xdg:schema": SchemaMsmtp, "host": "smtp.example", "service": "smtp", "user": "jo-smtp"}, true},
		{smtp, map[string]string{"xdg:schema": SchemaAccount, "account": "work"}, true},
		{smtp, map[string]string{"user": "jo"}, false},
		{smtp, map[string]string{"unknown": ""}, false},
	}
	for _, tc := range tests {
		if got := tc.it.matches(tc.q); got != tc.want {
			t.Errorf("%s matches %v = %v, want %v", tc.it.elem, tc.q, got, tc.want)
		}
	}
}
