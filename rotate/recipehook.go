package rotate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/imapvault/imapvault/rotate/recipe"
	"github.com/imapvault/imapvault/vault"
)

// hookCommand is the process a hook runs: `sh -c HOOK`, or for
// "recipe:NAME" this program again as `imapvault __recipe NAME` (no shell,
// nothing but the recipe's name in argv). A recipe also gets its settings,
// the IMAPVAULT_RECIPE_* variables (paths, URLs, names: never a secret):
// those stored with the account (a.RecipeSettings), then those of our
// environment that the account does not store, since the account's are
// the ones written for it. SSL_CERT_FILE/SSL_CERT_DIR go along for servers
// with their own CA. A value holding one of secrets is left out, stored
// or not.
func hookCommand(ctx context.Context, hook string, a *vault.Account, secrets ...string) (*exec.Cmd, []string, error) {
	r, isRecipe, err := recipe.FromHook(hook)
	if err != nil {
		return nil, nil, err
	}
	if !isRecipe {
		return exec.CommandContext(ctx, "/bin/sh", "-c", hook), nil, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("recipe %s: find imapvault itself: %w", r.Name, err)
	}
	var env []string
	stored := map[string]bool{}
	if a != nil {
		for _, kv := range a.RecipeSettings {
			name, value, _ := strings.Cut(kv, "=")
			if recipeSetting(name) && !stored[name] && !containsAny(value, secrets) {
				env = append(env, kv)
				stored[name] = true
			}
		}
	}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if stored[name] {
			continue
		}
		if (recipeSetting(name) || name == "SSL_CERT_FILE" || name == "SSL_CERT_DIR") && !containsAny(value, secrets) {
			env = append(env, kv)
		}
	}
	return exec.CommandContext(ctx, exe, "__recipe", r.Name), env, nil
}

// CheckHook refuses a hook naming a recipe that is not shipped, so that
// add, edit and rotate say so at once rather than at the next rotation.
func CheckHook(hook string) error {
	_, _, err := recipe.FromHook(hook)
	return err
}
