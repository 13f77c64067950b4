package importers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Budgets for following mutt's `source`: a config split in a few files fits
// with room to spare; /dev/zero, a FIFO or a file that sources itself
// eight times a line, nine deep, do not.
const (
	MaxSourcedFiles     = 64      // files read through source, in all
	MaxSourcedFileBytes = 1 << 20 // one sourced file
	MaxSourcedBytes     = 8 << 20 // all sourced files together
)

// ErrNotRegular: a sourced path that is not a regular file (a FIFO would
// hang the import, a device would never end).
var ErrNotRegular = errors.New("not a regular file")

// ReadSourced reads one sourced file: regular files only (checked on the
// open file, which is opened without blocking), at most
// MaxSourcedFileBytes.
func ReadSourced(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "source", Path: path, Err: ErrNotRegular}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, &os.PathError{Op: "source", Path: path, Err: ErrNotRegular} // swapped since the stat
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSourcedFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSourcedFileBytes {
		return nil, &os.PathError{Op: "source", Path: path, Err: fmt.Errorf("larger than %d KiB", MaxSourcedFileBytes>>10)}
	}
	return data, nil
}

// sourceBudget counts what source has read so far in one import.
type sourceBudget struct{ files, bytes int }

// take charges one read file of n bytes, or says which budget it breaks.
func (b *sourceBudget) take(n int) error {
	b.files++
	b.bytes += n
	switch {
	case b.files > MaxSourcedFiles:
		return fmt.Errorf("source reads more than %d files", MaxSourcedFiles)
	case b.bytes > MaxSourcedBytes:
		return fmt.Errorf("sourced files add up to more than %d MiB", MaxSourcedBytes>>20)
	}
	return nil
}
