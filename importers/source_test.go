package importers

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindDefaultPrefersXDG(t *testing.T) {
	home := t.TempDir()
	xdg := filepath.Join(home, ".config")
	for _, tc := range []struct {
		kind  string
		files []string // created in this order; the first is the one found
	}{
		{"mbsync", []string{".config/isyncrc", ".mbsyncrc"}},
		{"aerc", []string{".config/aerc/accounts.conf"}},
		{"mutt", []string{".config/neomutt/neomuttrc", ".muttrc"}},
		{"offlineimap", []string{".config/offlineimap/config", ".offlineimaprc"}},
		{"himalaya", []string{".config/himalaya/config.toml"}},
		{"thunderbird", []string{".thunderbird"}},
	} {
		for i := len(tc.files) - 1; i >= 0; i-- {
			p := filepath.Join(home, tc.files[i])
			os.MkdirAll(filepath.Dir(p), 0o700)
			os.WriteFile(p, nil, 0o600)
			got, err := FindDefault(tc.kind, home, xdg)
			if err != nil || got != p {
				t.Errorf("%s with %s present: got %q, %v", tc.kind, tc.files[i], got, err)
			}
		}
	}
	if _, err := FindDefault("keepassxc", home, xdg); err == nil {
		t.Error("an export has no default place")
	}
}
