package importers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Caps on the files of a Thunderbird profile (a real one's are a few
// hundred KiB): a hostile or damaged one can't make import read without end.
const (
	MaxPrefsBytes  = 32 << 20 // prefs.js
	MaxLoginsBytes = 32 << 20 // logins.json
	MaxKey4Bytes   = 32 << 20 // key4.db
)

// ErrNotRegular: a path that is not a regular file (a FIFO would hang the
// import, a device would never end).
var ErrNotRegular = errors.New("not a regular file")

// readRegular reads a regular file of at most max bytes. The check is made
// on the open file, opened without blocking, so a FIFO swapped in after a
// stat can't hang the read either.
func readRegular(path string, max int) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > max {
		return nil, &os.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d KiB", max>>10)}
	}
	return data, nil
}
