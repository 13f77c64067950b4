// Package recipe holds the hooks shipped with imapvault that set a new
// password at a mail server: `--hook recipe:NAME`. A recipe runs as a
// child process, `imapvault __recipe NAME`, started like any hook: its
// standard input carries two lines, the old and the new password; its
// environment is the hook's allow-list plus the recipe's settings
// (IMAPVAULT_RECIPE_*: file paths, URLs, names — never a secret). A
// recipe never puts a password in an argv, a URL, an environment other
// than the one product that demands it (Plesk's PSA_PASSWORD, for that one
// child only) or its output.
package recipe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// Setting is one environment variable a recipe reads.
type Setting struct {
	Env      string // IMAPVAULT_RECIPE_...
	Required bool
	Default  string // shown in the list; "" when there is none
	About    string
}

// Recipe is one shipped way to set a password at a server.
type Recipe struct {
	Name     string
	Summary  string
	Settings []Setting
	// Cannot lists characters a password set by this recipe may not hold
	// (a passwd-file separates fields with ':'); generated passwords
	// leave them out.
	Cannot string
	run    func(ctx context.Context, in Input) error
}

// Input is what a recipe gets: both passwords from stdin, the account's
// non-secret fields and the settings from the environment, and where to
// say what it did.
type Input struct {
	Old, New string
	Username string // IMAPVAULT_USERNAME
	Account  string // IMAPVAULT_ACCOUNT
	Getenv   func(string) string
	Out      io.Writer // progress for the person; never a password
}

// setting is the value of a recipe setting, or its default.
func (in Input) setting(s Setting) string {
	if v := in.Getenv(s.Env); v != "" {
		return v
	}
	return s.Default
}

var recipes []Recipe

func register(r Recipe) { recipes = append(recipes, r) }

// List is every recipe, by name.
func List() []Recipe {
	out := slices.Clone(recipes)
	slices.SortFunc(out, func(a, b Recipe) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Lookup finds a recipe by name.
func Lookup(name string) (Recipe, bool) {
	for _, r := range recipes {
		if r.Name == name {
			return r, true
		}
	}
	return Recipe{}, false
}

// Takes reports whether the recipe reads the setting name. recipe:ssh
// also carries the settings of the recipe it runs remotely, so it takes
// every other recipe's too.
func (r Recipe) Takes(name string) bool {
	for _, s := range r.Settings {
		if s.Env == name {
			return true
		}
	}
	if r.Name != "ssh" {
		return false
	}
	for _, o := range recipes {
		if o.Name != "ssh" && o.Takes(name) {
			return true
		}
	}
	return false
}

// ErrUnknown is a recipe name that is not shipped.
var ErrUnknown = errors.New("no such recipe")

// Prefix marks a hook that names a recipe: "recipe:NAME".
const Prefix = "recipe:"

// FromHook returns the recipe a hook names ("recipe:NAME"), ok false for an
// ordinary shell hook, and ErrUnknown for a recipe name not shipped.
func FromHook(hook string) (r Recipe, ok bool, err error) {
	name, isRecipe := strings.CutPrefix(strings.TrimSpace(hook), Prefix)
	if !isRecipe {
		return Recipe{}, false, nil
	}
	r, found := Lookup(name)
	if !found {
		return Recipe{}, true, fmt.Errorf("%w: %q ('imapvault rotate --recipes' lists them)", ErrUnknown, name)
	}
	return r, true, nil
}

// maxInput bounds what a recipe reads from stdin: two passwords.
const maxInput = 8 << 10

// Main runs recipe name as the hook's child: `imapvault __recipe NAME`.
// It returns the exit code: 0 set, 1 the server or a tool refused, 2 a
// missing setting or bad input.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: imapvault __recipe NAME (run by 'rotate --hook recipe:NAME')")
		return 2
	}
	r, ok := Lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "recipe: %v: %q\n", ErrUnknown, args[0])
		return 2
	}
	in := Input{Username: os.Getenv("IMAPVAULT_USERNAME"), Account: os.Getenv("IMAPVAULT_ACCOUNT"), Getenv: os.Getenv, Out: stdout}
	var err error
	if in.Old, in.New, err = readPasswords(stdin); err != nil {
		fmt.Fprintf(stderr, "recipe %s: %v\n", r.Name, err)
		return 2
	}
	for _, s := range r.Settings {
		if s.Required && in.setting(s) == "" {
			fmt.Fprintf(stderr, "recipe %s: set %s (%s)\n", r.Name, s.Env, s.About)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := r.run(ctx, in); err != nil {
		fmt.Fprintf(stderr, "recipe %s: %s\n", r.Name, redact(err.Error(), in.Old, in.New))
		var se *settingError
		if errors.As(err, &se) {
			return 2
		}
		return 1
	}
	return 0
}

// readPasswords reads the two lines a hook gets: old, then new.
func readPasswords(r io.Reader) (old, new string, err error) {
	br := bufio.NewReader(io.LimitReader(r, maxInput))
	line := func() (string, error) {
		s, err := br.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && s != "") {
			return "", errors.New("standard input must hold two lines, the old and the new password")
		}
		return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r"), nil
	}
	if old, err = line(); err != nil {
		return "", "", err
	}
	if new, err = line(); err != nil {
		return "", "", err
	}
	if new == "" || strings.ContainsAny(old+new, "\r\x00") {
		return "", "", errors.New("the new password is empty, or a password holds a CR or NUL")
	}
	return old, new, nil
}

// settingError is a recipe setting that is missing or wrong (exit 2).
type settingError struct{ msg string }

func (e *settingError) Error() string { return e.msg }

func badSetting(format string, args ...any) error {
	return &settingError{msg: fmt.Sprintf(format, args...)}
}

func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// user is the login the recipe changes: the setting IMAPVAULT_RECIPE_USER
// when given, else the account's username.
func (in Input) user() string {
	if u := in.Getenv("IMAPVAULT_RECIPE_USER"); u != "" {
		return u
	}
	return in.Username
}

var userSetting = Setting{Env: "IMAPVAULT_RECIPE_USER", Default: "the account's username", About: "the login to change, when it differs from the account's username"}
