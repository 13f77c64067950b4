package rotate

import "strings"

// recipeSetting reports whether name is one of the settings a shipped
// recipe reads (IMAPVAULT_RECIPE_*): they name files and hosts, never a
// secret, and pass the allow-list.
func recipeSetting(name string) bool {
	return strings.HasPrefix(name, "IMAPVAULT_RECIPE_")
}
