package cli

import (
	"errors"

	"github.com/imapvault/imapvault/importers"
)

func readThunderbird(e *env, o importOpts, path string) (*importers.Result, error) {
	return nil, errors.New("import --from thunderbird: not yet")
}
