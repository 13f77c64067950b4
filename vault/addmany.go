package vault

import (
	"fmt"
	"strings"
	"time"
)

// AddMany validates every account and appends them all, filling ids and
// dates, or appends none. Names are checked against one set of the
// vault's names, so adding m accounts to n costs n+m, not Add's n·m.
func (v *Vault) AddMany(as []*Account, now time.Time) error {
	names := make(map[string]bool, len(v.Accounts)+len(as))
	for _, a := range v.Accounts {
		names[NameKey(a.Name)] = true
	}
	for _, a := range as {
		if err := Validate(a); err != nil {
			return err
		}
		k := NameKey(a.Name)
		if names[k] {
			return fmt.Errorf("account %q: %w", a.Name, ErrDuplicateName)
		}
		names[k] = true
	}
	for _, a := range as {
		v.insert(a, now)
	}
	return nil
}

// NameKey is a name as Find compares it (case folded), for sets of names.
func NameKey(name string) string { return strings.ToLower(strings.ToUpper(name)) }
