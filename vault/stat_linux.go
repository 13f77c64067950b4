package vault

import (
	"os"
	"syscall"
	"time"
)

func statFile(path string) (stamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	st := stamp{size: fi.Size(), mtime: fi.ModTime()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
		st.ctime = time.Unix(int64(sys.Ctim.Sec), int64(sys.Ctim.Nsec)) // int32 fields on 32-bit Linux
	}
	return st, nil
}
