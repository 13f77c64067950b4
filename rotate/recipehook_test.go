package rotate

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// A recipe gets the settings stored with the account, and those of the
// environment the account does not store; a shell hook gets none of them,
// and no value holding a password gets through, stored or not.
func TestRecipeHookGetsStoredSettings(t *testing.T) {
	t.Setenv("IMAPVAULT_RECIPE_MAILU_URL", "https://from-env/api")
	t.Setenv("IMAPVAULT_RECIPE_USER", "env-user")
	t.Setenv("IMAPVAULT_RECIPE_LEAK", "x-Old-Secret-1-x")
	t.Setenv("SSL_CERT_FILE", "/etc/ca.pem")
	a := &vault.Account{Name: "work", RecipeSettings: []string{
		"IMAPVAULT_RECIPE_MAILU_URL=https://stored/api",
		"IMAPVAULT_RECIPE_MAILU_TOKEN_FILE=/home/u/.mailu-token",
		"IMAPVAULT_RECIPE_NOTE=holds New-Secret-2 somehow",
	}}
	tests := []struct {
		name     string
		hook     string
		want     []string
		wantNone []string
	}{
		{"recipe", "recipe:mailu",
			[]string{"IMAPVAULT_RECIPE_MAILU_URL=https://stored/api", "IMAPVAULT_RECIPE_MAILU_TOKEN_FILE=/home/u/.mailu-token",
				"IMAPVAULT_RECIPE_USER=env-user", "SSL_CERT_FILE=/etc/ca.pem"},
			[]string{"IMAPVAULT_RECIPE_MAILU_URL=https://from-env/api", "IMAPVAULT_RECIPE_NOTE=holds New-Secret-2 somehow",
				"IMAPVAULT_RECIPE_LEAK=x-Old-Secret-1-x"}},
		{"shell hook", "echo hi", nil,
			[]string{"IMAPVAULT_RECIPE_MAILU_URL=https://stored/api", "IMAPVAULT_RECIPE_MAILU_TOKEN_FILE=/home/u/.mailu-token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, env, err := hookCommand(context.Background(), tc.hook, a, "Old-Secret-1", "New-Secret-2")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !slices.Contains(env, w) {
					t.Errorf("recipe environment lacks %s: %q", w, env)
				}
			}
			for _, w := range tc.wantNone {
				if slices.Contains(env, w) {
					t.Errorf("recipe environment holds %s", w)
				}
			}
			seen := map[string]bool{}
			for _, kv := range env {
				name, _, _ := strings.Cut(kv, "=")
				if seen[name] {
					t.Errorf("%s given twice", name)
				}
				seen[name] = true
			}
		})
	}
}
