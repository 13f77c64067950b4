package vault

import (
	"fmt"
	"strings"
)

// RecipeSettingPrefix starts the name of every recipe setting.
const RecipeSettingPrefix = "IMAPVAULT_RECIPE_"

// MaxRecipeSettings bounds an account's stored recipe settings.
const MaxRecipeSettings = 32

// RecipeSetting is the stored value of one recipe setting, ok false when
// the account stores none by that name.
func (a *Account) RecipeSetting(name string) (value string, ok bool) {
	for _, kv := range a.RecipeSettings {
		if n, v, _ := strings.Cut(kv, "="); n == name {
			return v, true
		}
	}
	return "", false
}

// SetRecipeSetting stores name=value, replacing a value stored under name;
// an empty value removes it.
func (a *Account) SetRecipeSetting(name, value string) {
	out := a.RecipeSettings[:0:0]
	for _, kv := range a.RecipeSettings {
		if n, _, _ := strings.Cut(kv, "="); n != name {
			out = append(out, kv)
		}
	}
	if value != "" {
		out = append(out, name+"="+value)
	}
	a.RecipeSettings = out
}

// validateRecipeSettings: NAME=value entries, each name an
// IMAPVAULT_RECIPE_ variable given once, each value one printable line of
// bounded length that holds none of the account's secrets — a setting is
// stored, shown and put into a child's environment as plain text. Errors
// name the setting, never its value.
func validateRecipeSettings(a *Account) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidAccount, fmt.Sprintf(format, args...))
	}
	if len(a.RecipeSettings) > MaxRecipeSettings {
		return bad("more than %d recipe settings", MaxRecipeSettings)
	}
	seen := map[string]bool{}
	for i, kv := range a.RecipeSettings {
		name, value, ok := strings.Cut(kv, "=")
		switch {
		case !ok || !EnvName(name) || !strings.HasPrefix(name, RecipeSettingPrefix) || name == RecipeSettingPrefix:
			return bad("recipe setting %d is not %sNAME=value", i+1, RecipeSettingPrefix)
		case seen[name]:
			return bad("recipe setting %s is given twice", name)
		case value == "":
			return bad("recipe setting %s is empty", name)
		case !printable(value, false):
			return bad("recipe setting %s holds a control, bidi or invalid character", name)
		case len(value) > MaxHookLen:
			return bad("recipe setting %s is longer than %d bytes", name, MaxHookLen)
		case holdsSecret(value, a.Secrets()):
			return bad("recipe setting %s holds one of the account's passwords or tokens: settings are stored and passed as plain text; "+
				"put a credential in a file only you can read (chmod 600) and give the file's path", name)
		}
		seen[name] = true
	}
	return nil
}

// holdsSecret reports whether s contains a whole secret of 4 or more
// characters (shorter ones would match ordinary text).
func holdsSecret(s string, secrets []string) bool {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			return true
		}
	}
	return false
}
