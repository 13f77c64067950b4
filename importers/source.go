package importers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrUnknownKind is a --from value import does not know.
var ErrUnknownKind = errors.New("unknown import source")

// Parse reads one file of the given kind (not csv or thunderbird, which
// have their own entry points).
func Parse(kind, file string, data []byte) (*Result, error) {
	switch kind {
	case "mbsync":
		return ParseMbsync(file, data)
	case "aerc":
		return ParseAerc(file, data)
	case "mutt":
		// mutt configs are often split: follow `source` as mutt does.
		return ParseMuttFiles(file, data, ReadSourced)
	case "offlineimap":
		return ParseOfflineimap(file, data)
	case "himalaya":
		return ParseHimalaya(file, data)
	case "msmtp":
		return ParseMsmtp(file, data)
	case "keepassxc":
		return ParseKeePassXC(file, data)
	case "bitwarden":
		return ParseBitwarden(file, data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
}

// DefaultPaths are where a client keeps its config, XDG locations first,
// then the classic dotfiles. Exports have none: their PATH is required.
func DefaultPaths(kind, home, xdgConfig string) []string {
	if xdgConfig == "" {
		xdgConfig = filepath.Join(home, ".config")
	}
	switch kind {
	case "mbsync":
		return []string{filepath.Join(xdgConfig, "isyncrc"), filepath.Join(xdgConfig, "isync", "mbsyncrc"), filepath.Join(home, ".mbsyncrc")}
	case "aerc":
		return []string{filepath.Join(xdgConfig, "aerc", "accounts.conf")}
	case "mutt":
		return []string{
			filepath.Join(xdgConfig, "neomutt", "neomuttrc"), filepath.Join(xdgConfig, "mutt", "muttrc"),
			filepath.Join(home, ".neomuttrc"), filepath.Join(home, ".neomutt", "neomuttrc"),
			filepath.Join(home, ".muttrc"), filepath.Join(home, ".mutt", "muttrc"),
		}
	case "offlineimap":
		return []string{filepath.Join(xdgConfig, "offlineimap", "config"), filepath.Join(home, ".offlineimaprc")}
	case "himalaya":
		return []string{filepath.Join(xdgConfig, "himalaya", "config.toml"), filepath.Join(home, ".himalayarc")}
	case "msmtp":
		return []string{filepath.Join(home, ".msmtprc"), filepath.Join(xdgConfig, "msmtp", "config")}
	case "thunderbird":
		return []string{filepath.Join(home, ".thunderbird"), filepath.Join(home, ".mozilla-thunderbird")}
	}
	return nil
}

// FindDefault returns the first default path that exists.
func FindDefault(kind, home, xdgConfig string) (string, error) {
	paths := DefaultPaths(kind, home, xdgConfig)
	if len(paths) == 0 {
		return "", fmt.Errorf("%s exports have no usual place: give the file's PATH", kind)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s config found (looked in %v): give its PATH", kind, paths)
}
