// Package testwait is how tests wait: for a condition, never for a fixed
// time. A busy CI machine runs ten times slower than an idle one, so the
// one deadline here is generous; it only stops a test that would hang.
package testwait

import "time"

// Patience bounds every wait in the tests, and is the timeout tests hand
// to code that waits for something that will happen (a login that will
// succeed, a rotation's verify): long enough that only a hang reaches it.
// A test that expects a wait to fail passes its own short timeout.
const Patience = 2 * time.Minute

// TB is the part of testing.TB that For uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// For polls cond until it holds, and fails tb, naming what it waited for,
// once Patience has passed.
func For(tb TB, what string, cond func() bool) {
	tb.Helper()
	if !Until(time.Now().Add(Patience), cond) {
		tb.Fatalf("gave up after %v waiting for %s", Patience, what)
	}
}

// Until polls cond until it holds (true) or deadline passes (false). The
// first polls come quickly; later ones every 50 ms.
func Until(deadline time.Time, cond func() bool) bool {
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
}
