//go:build race

package stream_test

// raceEnabled: the race detector changes allocation sizes, so heap
// targets are only checked without it.
const raceEnabled = true
