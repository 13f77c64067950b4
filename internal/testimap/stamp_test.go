package testimap

import (
	"testing"
	"time"
)

// A rewrite's mtime falls in a later whole second than the old file's,
// which is all Dovecot compares (with the size, which a new hash of the
// same scheme does not change).
func TestNextStamp(t *testing.T) {
	sec := time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		old, now time.Time
		want     time.Time
	}{
		{"same second", sec.Add(100 * time.Millisecond), sec.Add(900 * time.Millisecond), sec.Add(time.Second)},
		// The kernel's clock lags: a file written just after the second
		// turned can carry the second before, and now is then in the next.
		{"next second", sec.Add(999 * time.Millisecond), sec.Add(1001 * time.Millisecond), sec.Add(1001 * time.Millisecond)},
		{"stamped ahead", sec.Add(time.Second), sec.Add(500 * time.Millisecond), sec.Add(2 * time.Second)},
		{"long ago", sec.Add(-time.Hour), sec, sec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := nextStamp(tc.old, tc.now)
			if !got.Equal(tc.want) || got.Unix() <= tc.old.Unix() {
				t.Fatalf("nextStamp(%v, %v) = %v; want %v, in a later second than the old", tc.old, tc.now, got, tc.want)
			}
		})
	}
}
