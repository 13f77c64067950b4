//go:build !linux

package agent

import (
	"os"
	"time"
)

type fileStamp struct {
	size  int64
	mtime time.Time
}

func statFile(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: fi.Size(), mtime: fi.ModTime()}, nil
}
