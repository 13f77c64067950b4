package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/rotate/recipe"
	"github.com/imapvault/imapvault/vault"
)

// recipeSettingFlags is add/edit --recipe-setting NAME=VALUE (repeatable):
// a setting of the account's recipe:NAME hook, stored with the account.
// NAME= removes one; edit's "-" removes them all.
type recipeSettingFlags []string

func (l *recipeSettingFlags) String() string { return strings.Join(*l, " ") }

func (l *recipeSettingFlags) Set(s string) error {
	if s == "-" {
		*l = append(*l, s)
		return nil
	}
	name, _, ok := strings.Cut(s, "=")
	if !ok || !vault.EnvName(name) || !strings.HasPrefix(name, vault.RecipeSettingPrefix) {
		return fmt.Errorf("want NAME=VALUE, NAME one of the recipe's %s... settings ('imapvault rotate --recipes' lists them), not %q",
			vault.RecipeSettingPrefix, termtext.Line(name))
	}
	*l = append(*l, s)
	return nil
}

const recipeSettingHelp = `--recipe-setting NAME=VALUE (repeatable) stores a setting of a recipe:NAME
hook with the account ('imapvault rotate --recipes' lists each recipe's);
rotate hands the stored ones to the recipe, and those of your environment
it does not store. They are paths, URLs and names, never a secret: a
recipe reads its credentials from a 0600 file whose path you store.`

// apply stores the settings given on a (whose Hook is already final) and,
// when the hook changed, drops those the new hook does not read; dropped
// names them. A setting the hook's recipe does not read is refused.
func (l recipeSettingFlags) apply(a *vault.Account, hookChanged bool) (dropped []string, err error) {
	r, isRecipe, _ := recipe.FromHook(a.Hook) // the hook was checked already
	for _, kv := range l {
		if kv == "-" {
			a.RecipeSettings = nil
			continue
		}
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case !isRecipe && a.Hook == "":
			return nil, usageErr(errors.New("--recipe-setting is for a recipe:NAME hook, and the account has no hook"),
				"give --hook recipe:NAME as well ('imapvault rotate --recipes' lists them)")
		case !isRecipe:
			return nil, usageErr(errors.New("--recipe-setting is for a recipe:NAME hook, and the account's hook is a shell command"),
				"a shell hook gets variables of your environment with --hook-env NAME")
		case !r.Takes(name):
			return nil, usageErr(fmt.Errorf("recipe:%s does not read %s", r.Name, name), "its settings: "+settingNames(r))
		}
		for _, sec := range a.Secrets() {
			if len(sec) >= 4 && strings.Contains(value, sec) {
				return nil, usageErr(fmt.Errorf("--recipe-setting %s holds one of the account's passwords or tokens", name),
					"settings are stored and passed as plain text: put a credential in a file only you can read (chmod 600) and give its path")
			}
		}
		a.SetRecipeSetting(name, value)
	}
	if !hookChanged {
		return nil, nil
	}
	kept := a.RecipeSettings[:0:0]
	for _, kv := range a.RecipeSettings {
		name, _, _ := strings.Cut(kv, "=")
		if isRecipe && r.Takes(name) {
			kept = append(kept, kv)
		} else {
			dropped = append(dropped, name)
		}
	}
	a.RecipeSettings = kept
	return dropped, nil
}

func settingNames(r recipe.Recipe) string {
	var names []string
	for _, s := range r.Settings {
		names = append(names, s.Env)
	}
	return strings.Join(names, ", ")
}
