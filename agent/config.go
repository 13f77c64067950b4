package agent

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/adrg/xdg"

	"github.com/imapvault/imapvault/agent/wire"
)

// The agent's limits are the person's, not a vault's: one agent holds one
// identity for every vault it opens, a team vault's members each want
// their own, and unlock sets them before any vault is read. So they live
// in a small file beside the identity, not in the vault:
//
//	# $XDG_CONFIG_HOME/imapvault/agent.conf
//	ttl = 2h    # lock after this long without use (0: no idle limit)
//	max = 12h   # lock this long after unlocking, used or not (0: none)
//
// 'imapvault unlock' and every other unlock (a get in a terminal, the
// TUI's "also unlock the agent") use them when given no --ttl/--max.

// ConfigName is the settings file's name in imapvault's config folder.
const ConfigName = "agent.conf"

// maxConfig bounds the file: a few lines.
const maxConfig = 64 << 10

// Limits are how long the agent stays unlocked, and where that was said.
type Limits struct {
	TTL, Max time.Duration
	// Path is the settings file (whether or not it exists); TTLSet and
	// MaxSet say which limits it gives (the others are the defaults).
	Path           string
	TTLSet, MaxSet bool
}

// ConfigPath is the settings file: agent.conf in $XDG_CONFIG_HOME/imapvault
// (as getenv sees it), where the default identity lives too.
func ConfigPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // the XDG spec ignores a relative one
		dir = xdg.ConfigHome
	}
	return filepath.Join(dir, "imapvault", ConfigName)
}

// ErrConfig is a settings file that can't be used; the error says which
// line or check.
var ErrConfig = errors.New("agent settings")

// LoadLimits reads the settings file; a missing one gives the defaults.
// The file must be a regular file of ours that nobody else may write:
// a planted "ttl = 0" would keep the identity in memory all day.
func LoadLimits(getenv func(string) string) (Limits, error) {
	l := Limits{TTL: DefaultTTL, Max: DefaultMax, Path: ConfigPath(getenv)}
	f, err := os.Open(l.Path)
	if errors.Is(err, os.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return l, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if err := checkConfigFile(l.Path, fi); err != nil {
		return l, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxConfig+1))
	if err != nil {
		return l, fmt.Errorf("%w: %s: %v", ErrConfig, l.Path, err)
	}
	if len(b) > maxConfig {
		return l, fmt.Errorf("%w: %s is longer than %d bytes", ErrConfig, l.Path, maxConfig)
	}
	return parseLimits(l, b)
}

func checkConfigFile(path string, fi os.FileInfo) error {
	switch {
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%w: %s is not a regular file", ErrConfig, path)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%w: others may write %s (mode %04o): not using it; chmod go-w it", ErrConfig, path, fi.Mode().Perm())
	}
	if uid, ok := wire.FileOwner(fi); ok && uid != os.Getuid() {
		return fmt.Errorf("%w: %s belongs to uid %d, not to you (uid %d): not using it", ErrConfig, path, uid, os.Getuid())
	}
	return nil
}

// parseLimits reads "name = value" lines; # starts a comment. Unknown
// names are refused, so a typo does not pass for a setting.
func parseLimits(l Limits, b []byte) (Limits, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, maxConfig)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: %s line %d: %s", ErrConfig, l.Path, n, fmt.Sprintf(format, args...))
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok {
			return l, bad("want name = value")
		}
		d, err := time.ParseDuration(value)
		if value == "0" {
			d, err = 0, nil
		}
		if err != nil || d < 0 {
			return l, bad("%s wants a duration such as 90m or 2h, not %q", name, value)
		}
		switch name {
		case "ttl":
			l.TTL, l.TTLSet = d, true
		case "max":
			l.Max, l.MaxSet = d, true
		default:
			return l, bad("unknown setting %q (ttl and max are the ones there are)", name)
		}
	}
	if err := sc.Err(); err != nil {
		return l, fmt.Errorf("%w: %s: %v", ErrConfig, l.Path, err)
	}
	if l.TTL == 0 && l.Max == 0 {
		return l, fmt.Errorf("%w: %s: ttl 0 and max 0 would never lock", ErrConfig, l.Path)
	}
	return l, nil
}

// Source says in words where the idle limit comes from.
func (l Limits) Source() string {
	if l.TTLSet {
		return "ttl in " + l.Path
	}
	return "the default; set ttl in " + l.Path
}
