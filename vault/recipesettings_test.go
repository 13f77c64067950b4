package vault

import (
	"strings"
	"testing"
)

func TestRecipeSettingSetAndGet(t *testing.T) {
	a := &Account{Name: "work", Host: "imap.example.com", Username: "u", Password: "Recipe-Secret-9"}
	a.SetRecipeSetting("IMAPVAULT_RECIPE_MAILU_URL", "https://old/api")
	a.SetRecipeSetting("IMAPVAULT_RECIPE_MAILU_TOKEN_FILE", "/home/u/.mailu-token")
	a.SetRecipeSetting("IMAPVAULT_RECIPE_MAILU_URL", "https://mail.example/api?a=b") // replaced, and '=' in a value is fine
	if got := strings.Join(a.RecipeSettings, " "); got != "IMAPVAULT_RECIPE_MAILU_TOKEN_FILE=/home/u/.mailu-token IMAPVAULT_RECIPE_MAILU_URL=https://mail.example/api?a=b" {
		t.Fatalf("settings %q", got)
	}
	if v, ok := a.RecipeSetting("IMAPVAULT_RECIPE_MAILU_URL"); !ok || v != "https://mail.example/api?a=b" {
		t.Errorf("RecipeSetting = %q, %v", v, ok)
	}
	if err := Validate(a); err != nil {
		t.Errorf("good settings refused: %v", err)
	}
	a.SetRecipeSetting("IMAPVAULT_RECIPE_MAILU_URL", "")
	if _, ok := a.RecipeSetting("IMAPVAULT_RECIPE_MAILU_URL"); ok || len(a.RecipeSettings) != 1 {
		t.Errorf("an empty value did not remove the setting: %q", a.RecipeSettings)
	}
}
