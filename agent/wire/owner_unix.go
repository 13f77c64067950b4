//go:build unix

package wire

import (
	"os"
	"syscall"
)

// checksMode: unix folder modes say who else may write.
const checksMode = true

func fileOwner(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, false
	}
	return int(st.Uid), true
}
