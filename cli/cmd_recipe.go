package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/imapvault/imapvault/internal/termtext"
	"github.com/imapvault/imapvault/rotate"
	"github.com/imapvault/imapvault/rotate/recipe"
)

func init() {
	// Not listed in the help: a hook 'recipe:NAME' runs it as its child.
	register(command{name: "__recipe", run: runRecipe})
}

// runRecipe is a shipped recipe running as a hook's child: the two
// passwords on stdin, its settings in the environment.
func runRecipe(e *env, args []string) error {
	switch code := recipe.Main(args, e.stdin, e.stdout, e.stderr); code {
	case 0:
		return nil
	case 1:
		return errFound // the recipe said what failed
	default:
		return &cliError{code: exitFailure, err: errors.New("the recipe did not run"), hint: "see 'imapvault rotate --recipes' for its settings"}
	}
}

// printRecipes is 'rotate --recipes': each recipe with what it needs.
func printRecipes(w io.Writer) error {
	fmt.Fprintln(w, "Hook recipes shipped with imapvault: 'rotate --hook recipe:NAME', or store one with 'add/edit --hook recipe:NAME'.")
	fmt.Fprintln(w, "Each reads the old and new password from its standard input and its settings from these environment variables,")
	fmt.Fprintln(w, "or from the account: 'add/edit --recipe-setting NAME=VALUE' stores them with it (stored ones win).")
	for _, r := range recipe.List() {
		fmt.Fprintf(w, "\nrecipe:%s\n  %s\n", r.Name, r.Summary)
		for _, s := range r.Settings {
			need := "optional"
			switch {
			case s.Required:
				need = "required"
			case s.Default != "":
				need = "default " + s.Default
			}
			fmt.Fprintf(w, "  %-40s %s (%s)\n", s.Env, s.About, need)
		}
	}
	return nil
}

// checkRecipeHook refuses --hook recipe:NAME for a recipe not shipped.
func checkRecipeHook(hook string) error {
	if err := rotate.CheckHook(hook); err != nil {
		name := strings.TrimPrefix(strings.TrimSpace(hook), recipe.Prefix)
		return usageErr(fmt.Errorf("--hook: %w", err), "'imapvault rotate --recipes' lists them; "+termtext.Line(name)+" is not one")
	}
	return nil
}
