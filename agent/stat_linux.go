//go:build linux

package agent

import (
	"os"
	"syscall"
	"time"
)

// fileStamp tells one version of a file from the next: a save renames a
// new file in (new inode), and ctime moves on any write and can't be set
// back, unlike mtime.
type fileStamp struct {
	size         int64
	mtime, ctime time.Time
	ino          uint64
}

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
		st.ctime = time.Unix(int64(sys.Ctim.Sec), int64(sys.Ctim.Nsec))
	}
	return st, nil
}
