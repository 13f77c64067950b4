package cli

import (
	"github.com/imapvault/imapvault/audit"
	"github.com/imapvault/imapvault/importers"
	"github.com/imapvault/imapvault/rotate/recipe"
)

// The value lists shell completion offers, in one place. A command that
// adds a flag with a closed set of values, a subcommand or a positional
// argument adds it here (and its help text says the same).

// subcommands of a command, as typed after it.
var subcommands = map[string][]string{
	"audit":      {"accept", "unaccept", "accepted"},
	"recipients": {"list", "add", "remove"},
	"agent":      {"status", "stop"},
	"oauth":      {"login"},
	"completion": {"bash", "zsh", "fish"},
}

// valueSets are the closed lists of values, by name.
var valueSets = map[string]func() []string{
	"security": func() []string { return []string{"tls", "starttls", "insecure"} },
	"kind": func() []string {
		out := make([]string, len(audit.Kinds))
		for i, k := range audit.Kinds {
			out[i] = string(k)
		}
		return out
	},
	"client": func() []string {
		return []string{"mbsync", "msmtp", "aerc", "neomutt", "offlineimap", "himalaya", "vdirsyncer"}
	},
	"import": func() []string {
		return importers.Kinds
	},
	"field":    func() []string { return []string{"password", "username", "host", "port", "security", "token"} },
	"provider": func() []string { return []string{"google", "microsoft", "custom"} },
	"auth":     func() []string { return []string{"password", "oauth2"} },
	"shell":    func() []string { return []string{"bash", "zsh", "fish"} },
	// recipe lists "recipe:NAME" for rotate --hook: the shipped recipes.
	"recipe": func() []string {
		var out []string
		for _, r := range recipe.List() {
			out = append(out, "recipe:"+r.Name)
		}
		return out
	},
	"names": nil, // account names: completionNames, filled in at run time
	"files": nil, // file names: the shell completes them
	"commands": func() []string {
		return visibleCommands()
	},
}

// flagValues maps a flag (by name, any command; "command --flag" wins over
// "--flag") to the value set it takes. A flag not listed whose value name
// is FILE, PATH or DIR completes file names; others offer nothing.
var flagValues = map[string]string{
	"--security":         "security",
	"--finding":          "kind",
	"--from":             "import",
	"--field":            "field",
	"--provider":         "provider",
	"--auth":             "auth",
	"rotate --hook":      "recipe",
	"--vault":            "files",
	"--identity":         "files",
	"--passphrase-file":  "files",
	"check --prometheus": "files",
	"audit --breached":   "files",
	"--ca-file":          "files",
}

// positionals says what the n-th argument after a command (or "command
// subcommand") is; the last entry repeats ("check NAME...").
var positionals = map[string][]string{
	"check":           {"names"},
	"rotate":          {"names"},
	"edit":            {"names", ""},
	"remove":          {"names", ""},
	"get":             {"names", ""},
	"audit":           {"", ""},
	"audit accept":    {"names", "kind", ""},
	"audit unaccept":  {"names", "kind", ""},
	"import":          {"files", ""},
	"client-config":   {"client", "names", ""},
	"oauth login":     {"names", ""},
	"completion":      {"", ""},
	"help":            {"commands", ""},
	"recipients add":  {"", ""},
	"recipients list": {""},
}
