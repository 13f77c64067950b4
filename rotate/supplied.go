package rotate

import (
	"errors"
	"fmt"

	"github.com/imapvault/imapvault/vault"
)

// ErrProviderPassword is matched by every refusal of a password pasted
// from the provider.
var ErrProviderPassword = errors.New("unusable password from the provider")

// CheckProviderPassword refuses a password the provider gave us that we
// could not keep or send faithfully: empty, holding a control character
// (a paste of two lines, a stray carriage return, an escape sequence), or
// the current password
// again (verifying it would prove nothing).
func CheckProviderPassword(pw, current string) error {
	switch {
	case pw == "":
		return fmt.Errorf("%w: it is empty", ErrProviderPassword)
	case vault.CheckPassword(pw) != nil:
		return fmt.Errorf("%w: %w; paste the password alone", ErrProviderPassword, vault.CheckPassword(pw))
	case pw == current:
		return fmt.Errorf("%w: it is the current password; ask the provider for a new one", ErrProviderPassword)
	}
	return nil
}
