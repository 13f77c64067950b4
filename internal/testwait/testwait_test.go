package testwait

import (
	"fmt"
	"testing"
	"time"
)

type fakeTB struct{ failed string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
}

func TestUntil(t *testing.T) {
	n := 0
	if !Until(time.Now().Add(Patience), func() bool { n++; return n == 5 }) || n != 5 {
		t.Fatalf("Until stopped after %d polls; want true after 5", n)
	}
	n = 0
	if Until(time.Now().Add(-time.Second), func() bool { n++; return false }) || n != 1 {
		t.Fatalf("Until past its deadline: %d polls; want false after 1", n)
	}
}

func TestForNamesWhatItWaitedFor(t *testing.T) {
	var f fakeTB
	For(&f, "the socket", func() bool { return true })
	if f.failed != "" {
		t.Fatalf("For failed on a condition that held: %s", f.failed)
	}
}
