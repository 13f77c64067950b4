package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/imapvault/imapvault/importers"
)

// readThunderbird reads the profile at path (a profile folder, or a
// Thunderbird root whose profiles.ini names the default profile), asking
// for the primary password only if the profile has one.
func readThunderbird(e *env, o importOpts, path string) (*importers.Result, error) {
	profile, err := importers.ProfileDir(path)
	if err != nil {
		return nil, usageErr(fmt.Errorf("import: %w", err), "give the profile folder (the one holding prefs.js) as PATH")
	}
	primary := func() ([]byte, error) {
		if o.primaryFile != "" {
			b, err := os.ReadFile(o.primaryFile)
			if err != nil {
				return nil, fmt.Errorf("read primary password file: %w", err)
			}
			return bytes.TrimRight(b, "\r\n"), nil
		}
		p, err := e.readSecret("Thunderbird primary password: ")
		if errors.Is(err, errNoTerminal) {
			return nil, withHint(fmt.Errorf("import: this Thunderbird profile has a primary password and there is no terminal to ask for it"), "pass --primary-password-file FILE")
		}
		return p, err
	}
	res, err := importers.ReadThunderbird(profile, primary)
	var se *importers.SyntaxError
	switch {
	case errors.Is(err, importers.ErrPrimaryPassword):
		return nil, withHint(fmt.Errorf("import %s: %w", profile, err), "check the primary password (Thunderbird: Settings > Privacy & Security > Passwords); nothing was imported")
	case errors.As(err, &se):
		return nil, usageErr(fmt.Errorf("import: %w", err), "fix that line and import again; nothing was imported")
	case err != nil:
		return nil, fmt.Errorf("import %s: %w", profile, err)
	}
	return res, nil
}
