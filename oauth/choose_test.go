package oauth_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/oauth"
	"github.com/imapvault/imapvault/vault"
)

func TestChooseFlow(t *testing.T) {
	custom := &vault.OAuth{Provider: oauth.Custom, AuthURL: "https://a/auth", TokenURL: "https://a/token", DeviceURL: "https://a/device"}
	noDevice := &vault.OAuth{Provider: oauth.Custom, AuthURL: "https://a/auth", TokenURL: "https://a/token"}
	google := &vault.OAuth{Provider: oauth.Google}
	ms := &vault.OAuth{Provider: oauth.Microsoft}
	oauth.Apply(google)
	oauth.Apply(ms)
	desktop := map[string]string{"DISPLAY": ":0"}
	ssh := map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}
	bare := map[string]string{}
	tests := []struct {
		name            string
		o               *vault.OAuth
		device, browser bool
		env             map[string]string
		want            bool // device
		note, err       string
	}{
		{"desktop: browser", custom, false, false, desktop, false, "", ""},
		{"ssh: device", custom, false, false, ssh, true, "", ""},
		{"no endpoint for the device", noDevice, false, false, ssh, false, "", ""},
		{"microsoft: device", ms, false, false, desktop, true, "", ""},
		{"microsoft --browser", ms, false, true, ssh, false, "", ""},
		{"google: browser even over ssh", google, false, false, ssh, false, "", ""},
		{"google --device: said, and the browser", google, true, false, bare, false, "cannot grant Gmail", ""},
		{"--device", custom, true, false, desktop, true, "", ""},
		{"--device without an endpoint", noDevice, true, false, desktop, false, "", "no device authorization endpoint"},
		{"both", custom, true, true, desktop, false, "", "exclude each other"},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name            string
			o               *vault.OAuth
			device, browser bool
			env             map[string]string
			want            bool
			note, err       string
		}{"no display: device", custom, false, false, bare, true, "", ""})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, note, err := oauth.ChooseFlow(tt.o, tt.device, tt.browser, func(k string) string { return tt.env[k] })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want || !strings.Contains(note, tt.note) || (tt.note == "" && note != "") {
				t.Fatalf("ChooseFlow = device %v, %q, %v; want device %v, note %q", got, note, err, tt.want, tt.note)
			}
		})
	}
}

func TestConsentMatches(t *testing.T) {
	c := &oauth.Consent{Email: "Ann@Example.org", PreferredUsername: "ann.admin@corp.example"}
	for _, tt := range []struct {
		want []string
		ok   bool
	}{
		{[]string{"ann@example.org"}, true},
		{[]string{"ann.admin@corp.example"}, true},
		{[]string{"ann"}, true}, // a bare server login matches the address's local part
		{[]string{"bob@example.org"}, false},
		{[]string{"ann@other.example"}, false},
		{[]string{"", "bob"}, false},
	} {
		if got := c.Matches(tt.want...); got != tt.ok {
			t.Errorf("Matches(%v) = %v", tt.want, got)
		}
	}
	// An address the provider did not verify is no proof.
	u := &oauth.Consent{Email: "ann@example.org", EmailUnverified: true, Subject: "x"}
	if u.Matches("ann@example.org") {
		t.Error("an unverified email matched")
	}
}

func TestFromAutoconfig(t *testing.T) {
	g, err := oauth.FromAutoconfig(oauth.Autoconfig{Issuer: "accounts.google.com", AuthURL: "https://accounts.google.com/o/oauth2/auth",
		TokenURL: "https://www.googleapis.com/oauth2/v3/token", Scope: "https://mail.google.com/ https://www.googleapis.com/auth/carddav"})
	if err != nil || g.Provider != oauth.Google || g.TokenURL != oauth.Presets[oauth.Google].TokenURL || !oauth.NeedsClientID(g) {
		t.Fatalf("google: %+v, %v", g, err)
	}
	c, err := oauth.FromAutoconfig(oauth.Autoconfig{Issuer: "login.example.org", AuthURL: "https://login.example.org/authorize",
		TokenURL: "https://login.example.org/token", Scope: "mail offline_access", ClientID: "published-id"})
	if err != nil || c.Provider != oauth.Custom || c.Issuer != "https://login.example.org" || c.ClientID != "published-id" ||
		strings.Join(c.Scopes, " ") != "mail offline_access" || oauth.NeedsClientID(c) {
		t.Fatalf("custom: %+v, %v", c, err)
	}
	n, err := oauth.FromAutoconfig(oauth.Autoconfig{Issuer: "Seznam.cz", AuthURL: "https://login.seznam.cz/api/v1/oauth/auth",
		TokenURL: "https://login.seznam.cz/api/v1/oauth/token"})
	if err != nil || n.Issuer != "" || !oauth.NeedsClientID(n) {
		t.Fatalf("an issuer that is only a name: %+v, %v", n, err)
	}
	if _, err := oauth.FromAutoconfig(oauth.Autoconfig{TokenURL: "http://mail.example.org/token"}); err == nil {
		t.Fatal("a plain-http token endpoint from an autoconfig file was taken")
	}
}
