package rotate

import (
	"strings"
	"testing"

	"github.com/imapvault/imapvault/vault"
)

// A password generated for an account whose hook is the passwd-file recipe
// never holds ':' (the recipe would refuse it and the rotation stop);
// without the recipe ':' does come up, so the check means something.
func TestRecipeExcludesWhatItCannotCarry(t *testing.T) {
	count := func(a *vault.Account, opts Options) int {
		n := 0
		for range 400 {
			pw, err := Generate(generationPolicy(a, opts))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(pw, ":") {
				n++
			}
		}
		return n
	}
	plain := &vault.Account{Name: "w"}
	if count(plain, Options{}) == 0 {
		t.Fatal("no ':' in 400 passwords without a recipe: the test proves nothing")
	}
	for _, tc := range []struct {
		name string
		a    *vault.Account
		opts Options
	}{
		{"stored hook", &vault.Account{Name: "w", Hook: "recipe:dovecot-passwd-file"}, Options{}},
		{"--hook", plain, Options{Hook: "recipe:dovecot-passwd-file"}},
		{"ssh", plain, Options{Hook: "recipe:ssh"}},
		{"with a policy", &vault.Account{Name: "w", Hook: "recipe:dovecot-passwd-file", Policy: &vault.PasswordPolicy{Length: 30, Exclude: "#"}}, Options{}},
	} {
		if n := count(tc.a, tc.opts); n != 0 {
			t.Errorf("%s: %d of 400 passwords hold ':'", tc.name, n)
		}
	}
}
