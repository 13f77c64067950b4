package importers

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the want.json goldens")

// fixtures are one realistic config or export per source, written the
// way that client's documentation shows; want.json beside each is exactly
// the accounts it must yield.
var fixtures = map[string]string{
	"mbsync":      "mbsyncrc",
	"aerc":        "accounts.conf",
	"mutt":        "neomuttrc",
	"offlineimap": "offlineimaprc",
	"himalaya":    "config.toml",
	"msmtp":       "msmtprc",
	"keepassxc":   "export.csv",
	"bitwarden":   "export.json",
}

func TestFixturesGolden(t *testing.T) {
	for kind, name := range fixtures {
		t.Run(kind, func(t *testing.T) {
			file := filepath.Join("testdata", kind, name)
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Parse(kind, file, data)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, _ := json.MarshalIndent(res, "", "  ")
			got = append(got, '\n')
			want := filepath.Join("testdata", kind, "want.json")
			if *update {
				os.WriteFile(want, got, 0o644)
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, w) {
				t.Errorf("%s yields\n%s\nwant\n%s", file, got, w)
			}
		})
	}
}
