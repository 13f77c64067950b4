package importers

import (
	"errors"
	"fmt"
	"os/user"
	"path/filepath"
	"strings"
)

// MaxPassFile bounds a password file (offlineimap's remotepassfile).
const MaxPassFile = 64 << 10

// ExpandHome expands a leading ~ or ~user as Python's os.path.expanduser
// does (offlineimap opens remotepassfile through it); home is $HOME.
func ExpandHome(p, home string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	dir := home
	if name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return p
		}
		dir = u.HomeDir
	}
	if rest == "" {
		return dir
	}
	return filepath.Join(dir, rest)
}

// ReadPassFile reads a password file the way offlineimap does: its first
// line, blanks stripped from both ends. Only a regular file of at most
// MaxPassFile bytes is read (a FIFO would hang the import). The error
// never holds the file's text.
func ReadPassFile(path, home string) (string, error) {
	data, err := readRegular(ExpandHome(path, home), MaxPassFile)
	if err != nil {
		return "", err
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pw := strings.TrimSpace(first)
	if pw == "" {
		return "", errors.New("its first line is empty")
	}
	if strings.ContainsFunc(pw, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("its first line holds a control character")
	}
	return pw, nil
}
