package audit

// steps counts the elementary steps of the checks that relate accounts to
// each other (an account visited in a group, two names compared, a
// recipient looked at), so a test can prove they stay within n log n
// whatever the group sizes: counted work, where a timed test would flake
// on a busy machine. Nil (and free) outside that test; the checks it
// counts run on one goroutine.
var steps *int

func step(n int) {
	if steps != nil {
		*steps += n
	}
}
