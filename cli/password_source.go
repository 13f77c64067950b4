package cli

import (
	"fmt"

	"github.com/imapvault/imapvault/vault"
)

// setPasswordSource records who makes a's new passwords: "provider" (the
// provider does; 'rotate' asks for a paste) or "generated"/"" (we do).
func setPasswordSource(a *vault.Account, source string) error {
	switch source {
	case "", "generated":
		if a.Policy != nil {
			a.Policy.Source = ""
			if *a.Policy == (vault.PasswordPolicy{}) {
				a.Policy = nil
			}
		}
	case vault.SourceProvider:
		if a.Policy == nil {
			a.Policy = &vault.PasswordPolicy{}
		}
		a.Policy.Source = vault.SourceProvider
	default:
		return usageErr(fmt.Errorf("--password-source %q: want provider or generated", source), "")
	}
	return nil
}

// clonePolicy copies p, so that editing a copy of an account leaves the
// original's policy alone.
func clonePolicy(p *vault.PasswordPolicy) *vault.PasswordPolicy {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
