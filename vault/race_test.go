//go:build race

package vault

// raceEnabled lets slow tests shrink their work under the race detector,
// which makes JSON and crypto several times slower.
const raceEnabled = true
