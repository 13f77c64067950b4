package importers

import "fmt"

// Budgets for following mutt's `source`: a config split in a few files fits
// with room to spare; /dev/zero, a FIFO or a file that sources itself
// eight times a line, nine deep, do not.
const (
	MaxSourcedFiles     = 64      // files read through source, in all
	MaxSourcedFileBytes = 1 << 20 // one sourced file
	MaxSourcedBytes     = 8 << 20 // all sourced files together
)

// ReadSourced reads one sourced file: a regular file of at most
// MaxSourcedFileBytes (readRegular).
func ReadSourced(path string) ([]byte, error) { return readRegular(path, MaxSourcedFileBytes) }

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
