//go:build !unix

package recipe

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// A Dovecot passwd-file lives on a Unix mail host; without flock and
// O_NOFOLLOW this recipe does not rewrite one here.
func lockFile(path string) (*os.File, error) {
	return nil, fmt.Errorf("the dovecot-passwd-file recipe is not supported on %s yet (run it on the mail host): %w", runtime.GOOS, errors.ErrUnsupported)
}

func owner(os.FileInfo) (uid, gid int, ok bool) { return 0, 0, false }
