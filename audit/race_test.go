//go:build race

package audit

// raceEnabled: the race detector slows zxcvbn ~10x, so the biggest
// corpora shrink under it (CI runs -race; `go test ./...` runs them whole).
const raceEnabled = true
